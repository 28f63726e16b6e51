package io.tally.server;

import io.tally.raft.node.RaftNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The probes, answered at once from state the node publishes (no Raft round, no waiting):
 * <ul>
 *   <li>{@code GET /livez}: 200 while the process serves and its Raft node runs; 503 {@code node-failed} once the node
 *       stopped after a fatal error (restart the process);</li>
 *   <li>{@code GET /readyz}: 200 when the node should get client traffic ({@link Readiness}), else 503
 *       {@code not-ready} with the reason;</li>
 *   <li>{@code GET /v1/health}: 200 while this node knows a leader, else 503 {@code no-leader}.</li>
 * </ul>
 * {@link HttpConnection} answers them as soon as they are read, outside the in-flight bound, so that a node full of
 * client requests still answers its probes.
 */
final class ProbeHandler implements Handler {

    static final String LIVEZ = "/livez";
    static final String READYZ = "/readyz";
    static final String HEALTH = "/v1/health";
    static final Set<String> PATHS = Set.of(LIVEZ, READYZ, HEALTH);

    private final RaftNode<?> node;
    private final Readiness readiness;

    ProbeHandler(RaftNode<?> node, Readiness readiness) {
        this.node = node;
        this.readiness = readiness;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) {
        return CompletableFuture.completedFuture(answer(ex.path()));
    }

    /** The probe's answer for {@code path} (one of {@link #PATHS}), computed on the caller's thread. */
    Reply answer(String path) {
        return switch (path) {
            case LIVEZ -> livez();
            case READYZ -> readyz();
            default -> health();
        };
    }

    private Reply livez() {
        Map<String, Object> body = new LinkedHashMap<>();
        Optional<Throwable> fatal = node.fatalError();
        if (fatal.isPresent()) {
            body.put("status", "failed");
            body.put("error", "the node stopped after a fatal error: " + fatal.get().getMessage());
            body.put("code", "node-failed");
            return Reply.json(503, body);
        }
        body.put("status", "ok");
        return Reply.json(200, body);
    }

    private Reply readyz() {
        String why = readiness.whyNotReady();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", why == null ? "ok" : "not-ready");
        body.put("leader", node.leader().orElse(null));
        body.put("appliedIndex", node.appliedIndex());
        long target = readiness.catchUpTarget();
        body.put("catchUpIndex", target < 0 ? null : target);
        if (why == null) {
            return Reply.json(200, body);
        }
        body.put("error", why);
        body.put("code", "not-ready");
        return Reply.json(503, body);
    }

    private Reply health() {
        Optional<String> leader = node.leader();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leader", leader.orElse(null));
        if (leader.isPresent()) {
            body.put("status", "ok");
            return Reply.json(200, body);
        }
        body.put("error", "this node knows no leader");
        body.put("code", "no-leader");
        return Reply.json(503, body);
    }
}
