package io.tally.server;

import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.raft.LeadershipLostException;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Writes of the key/value API (PUT, DELETE, POST ?append on a key) through the leader's log, with the optional
 * session headers of exactly-once writes. 200 only once the write committed and applied; 503 only when it was
 * certainly not proposed; 504 {@code outcome-unknown} when it may still apply.
 */
final class KvWrites {

    static final String CLIENT_ID_HEADER = "Tally-Client-Id";
    static final String SEQ_HEADER = "Tally-Request-Seq";

    private final KvService kv;
    private final ViaLeader via;

    KvWrites(KvService kv, ViaLeader via) {
        this.kv = kv;
        this.via = via;
    }

    /** What a write that applied answers (its result's status is OK). */
    @FunctionalInterface
    interface OnApplied {
        Reply reply(KvResult r) throws HttpError;
    }

    /** A put, append or delete of one key: {@code {"version", "revision"}} or {@code {"deleted", "revision"}}. */
    CompletableFuture<Reply> write(Exchange ex, KvCommand command, boolean isDelete) throws HttpError {
        return write(ex, command, r -> Reply.json(200, isDelete
                ? Map.of("deleted", r.deleted(), "revision", r.revision())
                : Map.of("version", r.version(), "revision", r.revision())));
    }

    /** Any write: {@code applied} answers an OK result; the other statuses are answered here. */
    CompletableFuture<Reply> write(Exchange ex, KvCommand command, OnApplied applied) throws HttpError {
        KvCommand cmd = withSession(ex, command);
        return via.serve(ex, true, () -> {
            ex.inDoubt(true); // from here on the write may be in the log
            return ex.then(kv.write(cmd, ex.remaining()), Outcomes.GRACE_MILLIS, (r, failure) -> {
                if (failure != null) {
                    if (cmd.session() > 0 && Exchange.unwrap(failure) instanceof LeadershipLostException
                            && !ex.forwarded() && !ex.expired()) {
                        // A write of a session can be sent again with the same sequence number: the new leader
                        // answers with the outcome of this try if it committed, or applies it once if it did not.
                        // So a leader change (a leadership transfer, a shutdown) costs the client no retry.
                        ex.proposedInDoubt();
                        throw new NotLeaderRetry();
                    }
                    throw Outcomes.ofWrite(ex, failure, "the write");
                }
                Reply reply = r.status() == KvResult.Status.OK ? applied.reply(r) : Reply.of(refusal(r, cmd));
                return reply.withHeader(KvJson.INDEX_HEADER, Long.toString(r.revision()));
            });
        });
    }

    /** Why the state machine applied nothing. */
    private static HttpError refusal(KvResult r, KvCommand cmd) {
        return switch (r.status()) {
            case CAS_FAILED -> new HttpError(409, "cas-failed", "the key's version is " + r.version(),
                    Map.of("version", r.version()));
            case STALE_REQUEST -> new HttpError(409, "stale-request", "this session already applied a later "
                    + "request; the outcome of this one is no longer known");
            case SESSION_EXPIRED -> new HttpError(409, "session-expired", "the cluster holds no session "
                    + cmd.session() + " (never opened, or expired): nothing was applied; if an earlier try of this "
                    + "request was sent, its outcome is unknown; open a new session with POST /v1/sessions");
            case LEASE_NOT_FOUND -> new HttpError(404, "lease-not-found", "the write names a lease that does not "
                    + "exist (never granted, revoked or expired): nothing was applied");
            default -> new HttpError(500, "internal", "the state machine could not decode the write");
        };
    }

    /**
     * The session headers: both or neither. The session id is one that {@code POST /v1/sessions} returned (a
     * positive integer); whether the cluster still holds it is the state machine's answer, not this parser's.
     */
    private static KvCommand withSession(Exchange ex, KvCommand cmd) throws HttpError {
        String client = ex.header(CLIENT_ID_HEADER);
        String seq = ex.header(SEQ_HEADER);
        if (client == null && seq == null) {
            return cmd;
        }
        if (client == null || seq == null) {
            throw HttpError.badRequest(CLIENT_ID_HEADER + " and " + SEQ_HEADER + " go together");
        }
        long session = positive(CLIENT_ID_HEADER, client, "a session id from POST /v1/sessions");
        long n = positive(SEQ_HEADER, seq, "the request's sequence number, from 1");
        return cmd.withSession(session, n);
    }

    private static long positive(String header, String value, String what) throws HttpError {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw HttpError.badRequest(header + " must be " + what + ", not '" + value + "'");
        }
        return n;
    }
}
