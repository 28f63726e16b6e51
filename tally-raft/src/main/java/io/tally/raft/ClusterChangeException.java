package io.tally.raft;

/**
 * A membership change or leadership transfer that did not succeed, for the reason given by {@link #kind()}.
 * (A request to a node that does not lead fails with {@link NotLeaderException} instead.)
 */
public class ClusterChangeException extends RaftException {

    public enum Kind {
        /** The request makes no sense against the current configuration; nothing changed. */
        INVALID,
        /**
         * The configuration is not the one the request expected, or another change or transfer is in progress;
         * nothing changed.
         */
        CONFLICT,
        /**
         * Stopped part way in a known state: a new voter did not catch up in time (it may remain a non-voter), or
         * a leadership transfer was aborted.
         */
        FAILED,
        /** Leadership was lost or the timeout passed with the change in the log: it may still take effect. */
        UNKNOWN
    }

    private final Kind kind;

    public ClusterChangeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
