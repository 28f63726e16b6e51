package io.tally.client;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The writes of one client on one session (Raft thesis §6.3): issued one at a time, in call order, each with the
 * next sequence number of the session, kept across its retries. Opens the session before the first write and again
 * after the cluster says it expired. A write refused as {@code session-expired} applied nothing; if an earlier try
 * of it may have applied, no session remembers it any more and it fails with {@link OutcomeUnknownException};
 * otherwise it runs again on the new session, unseen by the caller.
 */
final class WriteSession {

    private final RequestRunner runner;
    /** The open session (0: none) and the last sequence number used in it; touched only by the write chain. */
    private volatile long session;
    private long seq;
    private final Object chainLock = new Object();
    private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);

    WriteSession(RequestRunner runner) {
        this.runner = runner;
    }

    OptionalLong sessionId() {
        long s = session;
        return s == 0 ? OptionalLong.empty() : OptionalLong.of(s);
    }

    /** Issues the write after the previous one of this session completes; the answer is any but the retried ones. */
    CompletableFuture<HttpReply> write(String method, String path, String query, byte[] body, long deadline) {
        CompletableFuture<HttpReply> result = new CompletableFuture<>();
        synchronized (chainLock) {
            CompletableFuture<?> previous = lastWrite;
            lastWrite = result.handle((r, e) -> null);
            previous.whenComplete((r, e) -> run(new Write(method, path, query, body, deadline), result));
        }
        return result;
    }

    /** One write of the chain: its request, its deadline, and its place in a session once it has one. */
    private static final class Write {
        final String method;
        final String path;
        final String query;
        final byte[] body;
        final long deadline;
        long session;
        long sequence;

        Write(String method, String path, String query, byte[] body, long deadline) {
            this.method = method;
            this.path = path;
            this.query = query;
            this.body = body;
            this.deadline = deadline;
        }
    }

    /** Sends {@code w} on the open session, opening one first if none is; runs only in the write chain. */
    private void run(Write w, CompletableFuture<HttpReply> result) {
        if (session == 0) {
            openSession(w.deadline).whenComplete((id, err) -> {
                if (err != null) {
                    result.completeExceptionally(unwrap(err));
                    return;
                }
                session = id;
                seq = 0;
                run(w, result);
            });
            return;
        }
        if (w.session != session) {
            w.session = session; // its number in this session, kept across retries
            w.sequence = ++seq;
        }
        runner.run(new RequestRunner.Call(w.method, w.path, w.query, w.body, true, w.session, w.sequence, w.deadline, false))
                .whenComplete((reply, err) -> {
                    if (err == null) {
                        result.complete(reply);
                        return;
                    }
                    Throwable cause = unwrap(err);
                    if (!(cause instanceof SessionExpired expired)) {
                        result.completeExceptionally(cause);
                        return;
                    }
                    if (session == w.session) {
                        session = 0; // the next write opens a new session
                    }
                    if (expired.maybeApplied) {
                        result.completeExceptionally(new OutcomeUnknownException("the session expired after an earlier "
                                + "try of this write may have applied; whether it did can no longer be learned", null));
                    } else {
                        run(w, result); // no try can have applied: the same write on a new session
                    }
                });
    }

    /**
     * Opens a session through the log. Fails with {@link ClusterUnavailableException} whatever became of the
     * registration (but for credentials refused, and a failed TLS handshake, which say so): the write waiting for it was not sent, so it certainly did not apply (a registration whose
     * outcome is unknown at worst leaves an unused session, which expires).
     */
    private CompletableFuture<Long> openSession(long deadline) {
        RequestRunner.Call open = new RequestRunner.Call("POST", "/v1/sessions", "", null, true, 0, 0, deadline, false);
        return runner.run(open).handle((reply, err) -> {
            if (err != null) {
                Throwable c = unwrap(err);
                throw c instanceof ClusterUnavailableException u ? u
                        : c instanceof TallyException t && "client-closed".equals(t.code()) ? t
                        // not sent, or refused before anything was proposed: the cause says it best
                        : c instanceof AuthenticationException || c instanceof PermissionDeniedException
                        || c instanceof TlsHandshakeException ? (TallyException) c
                        : new ClusterUnavailableException("could not open a session: " + c.getMessage(), c);
            }
            if (reply.status() != 200) {
                throw Json.error(reply);
            }
            return Json.session(reply);
        });
    }

    /** A write the cluster refused with {@code session-expired}: nothing applied now. Internal to the write chain. */
    static final class SessionExpired extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean maybeApplied;

        SessionExpired(boolean maybeApplied) {
            super("session expired", null, false, false);
            this.maybeApplied = maybeApplied;
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
