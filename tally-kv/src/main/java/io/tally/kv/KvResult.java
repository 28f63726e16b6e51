package io.tally.kv;

/**
 * The outcome of a {@link KvCommand}, handed back to the proposer (and, for sessions, kept in the
 * replicated state so that a retry gets the same answer).
 *
 * @param status  what happened
 * @param version for OK puts and appends, the key's new version; for CAS_FAILED, the key's current version
 *                (0 when absent); for deletes, the deleted version (0 when there was nothing to delete)
 * @param deleted for deletes: whether a key was removed
 */
public record KvResult(Status status, long version, boolean deleted) {

    public enum Status {
        /** The write was applied. */
        OK,
        /** A compare-and-set did not match; nothing changed. */
        CAS_FAILED,
        /**
         * The session already applied a later request, or expired; the original result of this request is no
         * longer known. Nothing changed now.
         */
        STALE_REQUEST,
        /** The log entry was not a command this version understands (never produced by Tally itself). */
        MALFORMED
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
}
