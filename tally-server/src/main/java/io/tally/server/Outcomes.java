package io.tally.server;

import io.tally.raft.ClusterChangeException;
import io.tally.raft.NodeClosedException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftTimeoutException;

import java.util.concurrent.TimeoutException;

/**
 * What a failed future of the node means for the client (docs/http-api.md, "Failure semantics"): for a read, a write
 * and a cluster change. A write that was refused before it was proposed (not the leader, overloaded) is certainly
 * not applied and clears {@link Exchange#inDoubt()}; any other failure of a proposed write is 504 outcome-unknown.
 */
final class Outcomes {

    /** How long after the request's deadline a read or write gives up on the node's own timeout. */
    static final long GRACE_MILLIS = 1_000;
    /** The same for a membership change or a leadership transfer. */
    static final long CHANGE_GRACE_MILLIS = 2_000;

    private Outcomes() {
    }

    /** A read failed: nothing changed, so the answer never says outcome-unknown. */
    static Exception ofRead(Exchange ex, Throwable cause) {
        if (cause instanceof NotLeaderException) {
            return new NotLeaderRetry();
        }
        if (HttpError.ifOverloaded(cause).isPresent()) {
            return HttpError.ifOverloaded(cause).get();
        }
        if (cause instanceof RaftTimeoutException) {
            return HttpError.noLeader("leadership could not be confirmed with a quorum within " + ex.timeout.toMillis() + " ms");
        }
        if (cause instanceof NodeClosedException) {
            return HttpError.shuttingDown(); // a read changes nothing
        }
        if (cause instanceof TimeoutException) {
            return HttpError.noLeader("no quorum within " + ex.timeout.toMillis() + " ms");
        }
        return HttpError.noLeader("read failed: " + cause.getMessage());
    }

    /**
     * A proposed write ({@code what}: "the write", "the session registration") failed. Leadership lost, timed out,
     * or the node closed (NodeClosedException) while it waited: it may still commit under the next leader.
     */
    static Exception ofWrite(Exchange ex, Throwable cause, String what) {
        if (cause instanceof NotLeaderException) {
            ex.inDoubt(false);
            return new NotLeaderRetry(); // refused before it was proposed
        }
        if (HttpError.ifOverloaded(cause).isPresent()) {
            ex.inDoubt(false); // refused at admission: never proposed
            return HttpError.ifOverloaded(cause).get();
        }
        if (cause instanceof TimeoutException) {
            return HttpError.outcomeUnknown(what + " was proposed but did not apply within " + ex.timeout.toMillis() + " ms");
        }
        return HttpError.outcomeUnknown(what + " was proposed but its outcome is unknown: " + cause.getMessage());
    }

    /** A membership change or leadership transfer ({@code what}) that was requested failed. */
    static Exception ofChange(Exchange ex, Throwable cause, String what) {
        if (cause instanceof NotLeaderException) {
            ex.inDoubt(false);
            return new NotLeaderRetry(); // not started: find the leader (or wait out a transfer)
        }
        if (HttpError.ifOverloaded(cause).isPresent()) {
            ex.inDoubt(false);
            return HttpError.ifOverloaded(cause).get();
        }
        if (cause instanceof ClusterChangeException x) {
            return switch (x.kind()) {
                case INVALID -> new HttpError(400, "invalid-change", x.getMessage());
                case CONFLICT -> new HttpError(409, "conflict", x.getMessage());
                case FAILED -> new HttpError(409, "change-failed", x.getMessage());
                case UNKNOWN -> HttpError.outcomeUnknown(what + " may or may not take effect: " + x.getMessage());
            };
        }
        if (cause instanceof TimeoutException) {
            return HttpError.outcomeUnknown(what + " did not finish within " + ex.timeout.toMillis() + " ms");
        }
        return HttpError.outcomeUnknown(what + " may or may not take effect: " + cause.getMessage());
    }
}
