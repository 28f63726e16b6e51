package io.tally.testkit.api;

/**
 * The faults a {@link Simulator} can inject. The simulator's nemesis picks among the chosen ones at random moments
 * (every 0.2–1 s of virtual time by default), applies one and lifts it later; at most a minority of the voters is
 * kept down or cut off by crashes, pauses and disk faults at any time, so that the cluster can make progress between
 * faults, while network faults may cut any node off. The nemesis heals everything before the run's final checks.
 */
public enum Fault {

    /** The MIT 6.824 unreliable network: 10 % of messages lost, requests delayed up to 26 ms. Switched on and off. */
    UNRELIABLE_NETWORK,
    /** Long reordering: two thirds of responses held back 200 ms to 2.2 s. Switched on and off. */
    REORDERING,
    /** The nodes split into two random groups that cannot talk to each other (possibly with the leader in the smaller). */
    PARTITION,
    /**
     * A partial partition: two groups that cannot talk to each other, and one node, the bridge, that talks to both
     * (the situation PreVote and CheckQuorum exist for).
     */
    BRIDGE,
    /** A node is cut off from everyone (disconnected) for a while, then reconnected. */
    ISOLATE,
    /** A node crashes (losing whatever it had not synced) and restarts later from its disk. */
    CRASH_RESTART,
    /** A node freezes (a GC pause, SIGSTOP) for 0.1–3 s: its timers and tasks wait, messages to it queue. */
    PAUSE,
    /** Every node's clock runs fast or slow, by up to 0.8 × {@code CoreConfig.maxClockDriftRate()}, drawn at each start. */
    CLOCK_DRIFT,
    /** Every node's timers fire late: jitter up to 2 ms, and a third of them up to 50 ms late. */
    TIMER_LATENESS,
    /** A crash loses every write the node had not synced (needs {@link Storage#SIMULATED_FILES}, chosen for you). */
    LOST_UNSYNCED_WRITES,
    /** A crash keeps a random prefix of the unsynced writes, the last one possibly torn at any byte (file storage). */
    TORN_WRITES,
    /**
     * A bit of a crashed node's log or hard state flips on disk; the node must refuse to start on the damaged state
     * rather than serve it, and stays down for the rest of the run (at most one node is ever damaged). File storage.
     */
    BIT_FLIPS,
    /** A node's disk fills up: it must stop cleanly; it restarts once space is freed (file storage). */
    DISK_FULL,
    /** A random voter is removed and later added back (as a non-voter first, then promoted) while clients run. */
    MEMBERSHIP_CHANGE,
    /** The leader hands leadership to a random other voter. */
    LEADERSHIP_TRANSFER;

    /** Whether this fault needs the nodes on {@link Storage#SIMULATED_FILES}. */
    public boolean needsFileStorage() {
        return this == LOST_UNSYNCED_WRITES || this == TORN_WRITES || this == BIT_FLIPS || this == DISK_FULL;
    }
}
