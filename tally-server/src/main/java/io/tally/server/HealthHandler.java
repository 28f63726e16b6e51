package io.tally.server;

import io.tally.raft.node.RaftNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@code GET /v1/health}: 200 while this node knows a leader, else 503 {@code no-leader}. */
final class HealthHandler implements Handler {

    private final RaftNode<?> node;

    HealthHandler(RaftNode<?> node) {
        this.node = node;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) {
        Optional<String> leader = node.leader();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leader", leader.orElse(null));
        if (leader.isPresent()) {
            body.put("status", "ok");
            return CompletableFuture.completedFuture(Reply.json(200, body));
        }
        body.put("error", "this node knows no leader");
        body.put("code", "no-leader");
        return CompletableFuture.completedFuture(Reply.json(503, body));
    }
}
