package io.tally.server;

import io.tally.kv.KeyFilter;
import io.tally.kv.Watch;
import io.tally.kv.WatchEvent;
import io.tally.kv.WatchHub;
import io.tally.kv.WatchListener;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Consul's blocking queries on {@code GET /v1/kv/{key}} and {@code GET /v1/kv?prefix=P}: with {@code ?index=N} the
 * read waits until this node has applied a change under the key or prefix after revision N, or until {@code wait}
 * (default 5 m, at most 10 m) runs out, and then reads as usual, at the request's consistency. The wait is a watch on
 * this node's own applied state, so it holds no thread and needs no leader; the read that follows goes to the
 * leader as any read does, and sees the change (it committed before this node applied it).
 */
final class BlockingQuery {

    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private BlockingQuery() {
    }

    /** The wait of a request: zero without {@code index}, else {@code wait} or the default. */
    static Duration waitOf(Map<String, String> query) throws HttpError {
        if (!query.containsKey("index")) {
            if (query.containsKey("wait")) {
                throw HttpError.badRequest("wait= only goes with index= (a blocking query)");
            }
            return Duration.ZERO;
        }
        String w = query.get("wait");
        return w == null ? DEFAULT_WAIT : Durations.parse("wait", w, MAX_WAIT);
    }

    /** Completes once the request may read: at once without {@code ?index}, else as the class comment says. */
    static CompletableFuture<Void> await(Exchange ex, WatchHub hub, KeyFilter filter) throws HttpError {
        if (!ex.query.containsKey("index")) {
            return CompletableFuture.completedFuture(null);
        }
        long index = ex.longParam("index", 0, 0);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Watch watch = hub.watch(filter, index + 1, ex.loop(), new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                ready.complete(null);
            }

            @Override
            public void onCompacted(long oldest) {
                ready.complete(null); // N is older than the history: answer with the current state at once
            }

            @Override
            public void onClosed() {
                ready.complete(null);
            }
        });
        ScheduledFuture<?> timer = ex.loop().schedule(() -> ready.complete(null), ex.wait.toMillis(), TimeUnit.MILLISECONDS);
        ready.whenComplete((v, e) -> {
            watch.cancel();
            timer.cancel(false);
        });
        return ready;
    }
}
