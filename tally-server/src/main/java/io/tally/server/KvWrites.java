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

    /**
     * Any write: {@code applied} answers an OK result; the other statuses are answered here. The command carries the
     * request's user (authenticated on this node); its permissions are checked here first (403 at once, nothing
     * proposed or forwarded), and again by the state machine when it applies.
     */
    CompletableFuture<Reply> write(Exchange ex, KvCommand command, OnApplied applied) throws HttpError {
        KvCommand cmd = withSession(ex, command).withUser(ex.user());
        Permissions.command(kv, ex, cmd);
        return via.serve(ex, true, () -> propose(ex, cmd, applied));
    }

    /**
     * A write whose command is made on the leader only, asynchronously (a password is hashed there, never on a
     * follower that forwards the request): {@code prepare} runs once this node leads.
     */
    CompletableFuture<Reply> writePrepared(Exchange ex, java.util.function.Supplier<CompletableFuture<KvCommand>> prepare,
                                           OnApplied applied) throws HttpError {
        session(ex); // the session headers are checked before anything is sent
        return via.serve(ex, true, () -> ex.onLoop(prepare.get()).thenCompose(command -> {
            try {
                KvCommand cmd = withSession(ex, command).withUser(ex.user());
                Permissions.command(kv, ex, cmd);
                return propose(ex, cmd, applied);
            } catch (HttpError e) {
                return CompletableFuture.failedFuture(e);
            }
        }));
    }

    private CompletableFuture<Reply> propose(Exchange ex, KvCommand cmd, OnApplied applied) {
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
            case PERMISSION_DENIED -> Permissions.denied("user '" + cmd.user() + "' may not do this (checked when it "
                    + "applied: a permission may have been revoked meanwhile)");
            case USER_EXISTS -> new HttpError(409, "user-exists", "the user exists already; nothing changed");
            case USER_NOT_FOUND -> new HttpError(404, "user-not-found", "no such user; nothing changed");
            case ROLE_EXISTS -> new HttpError(409, "role-exists", "the role exists already (root is built in); nothing changed");
            case ROLE_NOT_FOUND -> new HttpError(404, "role-not-found", "no such role, or the role or user does not hold "
                    + "that; nothing changed");
            case AUTH_CONFLICT -> new HttpError(409, "auth-conflict", "the access model forbids this: authentication "
                    + "turns on only once a root user exists; while it is on, the root user cannot be deleted nor lose "
                    + "the root role, and the root role cannot be changed; nothing changed");
            default -> new HttpError(500, "internal", "the state machine could not decode the write");
        };
    }

    /**
     * The session headers: both or neither. The session id is one that {@code POST /v1/sessions} returned (a
     * positive integer); whether the cluster still holds it is the state machine's answer, not this parser's.
     */
    private static KvCommand withSession(Exchange ex, KvCommand cmd) throws HttpError {
        long[] s = session(ex);
        return s == null ? cmd : cmd.withSession(s[0], s[1]);
    }

    /** The session headers as {session, seq}, or null when there are none. */
    private static long[] session(Exchange ex) throws HttpError {
        String client = ex.header(CLIENT_ID_HEADER);
        String seq = ex.header(SEQ_HEADER);
        if (client == null && seq == null) {
            return null;
        }
        if (client == null || seq == null) {
            throw HttpError.badRequest(CLIENT_ID_HEADER + " and " + SEQ_HEADER + " go together");
        }
        long session = positive(CLIENT_ID_HEADER, client, "a session id from POST /v1/sessions");
        long n = positive(SEQ_HEADER, seq, "the request's sequence number, from 1");
        return new long[] {session, n};
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
