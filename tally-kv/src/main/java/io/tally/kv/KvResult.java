package io.tally.kv;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a {@link KvCommand}, handed back to the proposer (and, for sessions, kept in the replicated state so
 * that a retry gets the same answer).
 *
 * @param status    what happened
 * @param revision  the revision (Raft index) of the command's entry: the store's revision the answer reflects, the
 *                  version of every key it wrote, and the id of a session or lease it opened
 * @param version   for an OK put or append, the key's new version (= {@code revision}); for CAS_FAILED, the key's
 *                  current version (0 when absent); for a delete, the deleted version (0 when there was nothing to
 *                  delete); otherwise 0
 * @param count     how many keys a delete, a prefix delete or a lease's end removed
 * @param txn       for a transaction that applied a branch, which one and what each operation did; otherwise null
 */
public record KvResult(Status status, long revision, long version, long count, TxnOutcome txn) {

    /** Snapshots store a status by its code: append new ones at the end, never reorder. */
    public enum Status {
        /** The write was applied (or the session or lease was opened). */
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
        SESSION_EXPIRED,
        /** The write names a lease that does not exist (never granted, revoked or expired). Nothing changed. */
        LEASE_NOT_FOUND,
        /**
         * Authentication is on and the command's user may not do this (or is unknown, or the command carries no user).
         * Nothing changed.
         */
        PERMISSION_DENIED,
        /** An access-model change: the user already exists. Nothing changed. */
        USER_EXISTS,
        /** An access-model change: no such user. Nothing changed. */
        USER_NOT_FOUND,
        /** An access-model change: the role already exists (root is built in). Nothing changed. */
        ROLE_EXISTS,
        /** An access-model change: no such role, or no such permission on the role. Nothing changed. */
        ROLE_NOT_FOUND,
        /**
         * An access-model change the rules forbid: enabling authentication without a root user, or, while it is on,
         * deleting the root user or taking the root role from it. Nothing changed.
         */
        AUTH_CONFLICT
    }

    /** A transaction's chosen branch and each of its operations' results. */
    public record TxnOutcome(boolean succeeded, List<TxnOpResult> results) {
        public TxnOutcome {
            results = List.copyOf(results);
        }
    }

    public KvResult {
        Objects.requireNonNull(status, "status");
    }

    /** For a delete: whether a key was removed. */
    public boolean deleted() {
        return count > 0;
    }

    static KvResult written(long revision) {
        return new KvResult(Status.OK, revision, revision, 0, null);
    }

    static KvResult deleted(long revision, long deletedVersion) {
        return new KvResult(Status.OK, revision, deletedVersion, deletedVersion > 0 ? 1 : 0, null);
    }

    static KvResult removed(long revision, long count) {
        return new KvResult(Status.OK, revision, 0, count, null);
    }

    static KvResult casFailed(long revision, long current) {
        return new KvResult(Status.CAS_FAILED, revision, current, 0, null);
    }

    static KvResult opened(long revision) {
        return new KvResult(Status.OK, revision, 0, 0, null);
    }

    static KvResult transaction(long revision, boolean succeeded, List<TxnOpResult> results) {
        return new KvResult(Status.OK, revision, 0, 0, new TxnOutcome(succeeded, results));
    }

    static KvResult refused(Status status, long revision) {
        return new KvResult(status, revision, 0, 0, null);
    }
}
