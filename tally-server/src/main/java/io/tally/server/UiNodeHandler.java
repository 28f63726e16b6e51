package io.tally.server;

import io.tally.raft.RaftState;
import io.tally.raft.node.RaftNode;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/ui/node?history=S&events=E}: this node alone, as the status page needs it (docs/http-api.md): its
 * {@code /v1/status} fields, {@code started} and {@code time} (epoch ms), on the leader each follower's match index
 * ({@code progress}), its newest S one-second samples ({@code samples}, 0-300, default 1) and its newest E events
 * ({@code events}, 0-256, default 10). {@link UiClusterHandler} asks every member for this. Never forwarded.
 */
final class UiNodeHandler implements Handler {

    static final String PATH = "/v1/ui/node";
    /** How long the leader's Raft loop may take to report its followers' progress before the answer goes without it. */
    private static final long PROGRESS_TIMEOUT_MILLIS = 500;

    private final RaftNode<?> node;
    private final StatusPage page;

    UiNodeHandler(RaftNode<?> node, StatusPage page) {
        this.node = node;
        this.page = page;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        int history = samplesParam(ex);
        int events = eventsParam(ex);
        return ex.then(describe(history, events, ex.loop()), Outcomes.GRACE_MILLIS, (body, failure) -> {
            if (failure != null) {
                throw failure instanceof Exception e ? e : new IllegalStateException(failure);
            }
            return Reply.json(200, body);
        });
    }

    /** {@code ?history=S}: 0 to {@value NodeHistory#CAPACITY} samples, default 1. */
    static int samplesParam(Exchange ex) throws HttpError {
        return bounded(ex, "history", 1, NodeHistory.CAPACITY);
    }

    /** {@code ?events=E}: 0 to {@value NodeEvents#CAPACITY} events, default 10. */
    static int eventsParam(Exchange ex) throws HttpError {
        return bounded(ex, "events", 10, NodeEvents.CAPACITY);
    }

    private static int bounded(Exchange ex, String name, int dflt, int max) throws HttpError {
        long v = ex.longParam(name, dflt, 0);
        if (v > max) {
            throw HttpError.badRequest("query parameter " + name + " must be at most " + max + ", was " + v);
        }
        return (int) v;
    }

    /**
     * This node's view; completes on {@code executor} (never on the Raft node's threads, which complete the progress
     * query: the apply thread has better things to do than a status page's bookkeeping) once the Raft loop has told
     * the followers' progress (on a leader), or without it after {@value #PROGRESS_TIMEOUT_MILLIS} ms. Never fails.
     * The samples and events are {@link com.fasterxml.jackson.databind.util.RawValue}s: JSON encoded when each was
     * recorded.
     */
    CompletableFuture<Map<String, Object>> describe(int history, int events, Executor executor) {
        CompletableFuture<Map<String, Long>> progress = node.state() == RaftState.LEADER
                ? node.replicationProgress().orTimeout(PROGRESS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                : CompletableFuture.completedFuture(null);
        return progress.handleAsync((match, failure) -> {
            Map<String, Object> body = StatusHandler.describe(node);
            body.put("started", page.started());
            body.put("time", System.currentTimeMillis());
            if (failure == null && match != null) {
                body.put("progress", match);
            }
            body.put("samples", page.history().newestJson(history));
            body.put("eventSeq", page.events().lastSeq());
            body.put("events", page.events().newestJson(events));
            return body;
        }, executor);
    }
}
