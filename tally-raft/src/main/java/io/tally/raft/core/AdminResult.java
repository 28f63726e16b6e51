package io.tally.raft.core;

import io.tally.raft.model.Configuration;

/**
 * The outcome of a cluster administration request to the core: a membership change or a leadership transfer.
 *
 * @param requestId     the driver's id for the request
 * @param status        what happened
 * @param index         OK membership change: index of the entry holding the new configuration
 * @param configuration OK membership change: the new configuration; null otherwise
 * @param detail        OK transfer: the new leader's id; otherwise a human-readable reason
 */
public record AdminResult(long requestId, Status status, long index, Configuration configuration, String detail) {

    public enum Status {
        /** Done: the new configuration is committed, or the target leads. */
        OK,
        /** Certainly not started: this node does not lead. */
        NOT_LEADER,
        /** Certainly not started: the request makes no sense (for example, no voters would remain). */
        INVALID,
        /**
         * Certainly not started: the configuration is not the one the caller based the request on, or another
         * change or transfer is in progress.
         */
        CONFLICT,
        /**
         * Stopped part way in a known state: a voter did not catch up in time (it may remain a non-voter), or a
         * leadership transfer was aborted and this leader accepts proposals again.
         */
        FAILED,
        /** Leadership was lost or the deadline passed after the change was in the log: it may still complete. */
        UNKNOWN
    }

    static AdminResult of(long requestId, Status status, String detail) {
        return new AdminResult(requestId, status, -1, null, detail);
    }

    public boolean ok() {
        return status == Status.OK;
    }
}
