package io.tally.kv;

/**
 * The outcome of a {@link KvCommand}, handed back to the proposer (and, for sessions, kept in the
 * replicated state so that a retry gets the same answer).
 *
 * @param status  what happened
 * @param version for OK puts and appends, the key's new version; for CAS_FAILED, the key's current version
 *                (0 when absent); for deletes, the deleted version (0 when there was nothing to delete); for an
 *                OK {@link KvCommand.Op#REGISTER}, the new session's id (the Raft index of that entry)
 * @param deleted for deletes: whether a key was removed
 */
public record KvResult(Status status, long version, boolean deleted) {

    /** Snapshots store a status by its ordinal: append new ones at the end, never reorder. */
    public enum Status {
        /** The write was applied (or the session was opened). */
        OK,
        /** A compare-and-set did not match; nothing changed. */
        CAS_FAILED,
        /**
         * The session already applied a later request; the original result of this one is no longer known.
         * Nothing changed now.
         */
        STALE_REQUEST,
        /** The log entry was not a command this version understands (never produced by Tally itself). */
        MALFORMED,
        /**
         * The write names a session the state machine does not hold: never registered, or expired. Nothing
         * changed. Whether an earlier try of the same request applied cannot be learned any more.
         */
        SESSION_EXPIRED
    }

    static KvResult written(long version) {
        return new KvResult(Status.OK, version, false);
    }

    static KvResult deleted(long version) {
        return new KvResult(Status.OK, version, version > 0);
    }

    static KvResult casFailed(long current) {
        return new KvResult(Status.CAS_FAILED, current, false);
    }

    static KvResult registered(long session) {
        return new KvResult(Status.OK, session, false);
    }

    static final KvResult STALE = new KvResult(Status.STALE_REQUEST, 0, false);
    static final KvResult EXPIRED = new KvResult(Status.SESSION_EXPIRED, 0, false);
    static final KvResult MALFORMED_COMMAND = new KvResult(Status.MALFORMED, 0, false);
}
