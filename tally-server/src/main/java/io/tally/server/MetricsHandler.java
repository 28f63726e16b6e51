package io.tally.server;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /metrics}: the node's metrics in Prometheus text format ({@link NodeMetrics}), rendered on the event loop
 * once the Raft loop has told the followers' progress.
 */
final class MetricsHandler implements Handler {

    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final NodeMetrics metrics;

    MetricsHandler(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) {
        return ex.then(metrics.refreshLag(), Outcomes.GRACE_MILLIS,
                (done, failure) -> new Reply(200, CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8), Map.of()));
    }
}
