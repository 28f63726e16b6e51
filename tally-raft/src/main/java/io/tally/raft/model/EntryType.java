package io.tally.raft.model;

/** The kinds of log entry. The numeric codes are part of the storage and wire formats: never renumber. */
public enum EntryType {
    /** A command for the user's state machine. */
    COMMAND(1),
    /** Appended by every new leader at the start of its term (§8 of the Raft paper) so that it can commit earlier entries. */
    NOOP(2),
    /** A cluster configuration (Raft thesis §4.1); takes effect on a node as soon as it is in that node's log. */
    CONFIGURATION(3),
    /** Carries nothing; completing it means every earlier entry has been applied. */
    BARRIER(4);

    private final int code;

    EntryType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static EntryType fromCode(int code) {
        for (EntryType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown entry type code " + code);
    }
}
