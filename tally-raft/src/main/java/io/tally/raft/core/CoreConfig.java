package io.tally.raft.core;

/**
 * Protocol parameters of the pure core, in ticks and counts (the core has no clock).
 *
 * @param electionTicks     base election timeout; each node waits a random number of ticks in
 *                          [electionTicks, 2 × electionTicks) before campaigning (§5.2)
 * @param heartbeatTicks    leader heartbeat interval; must be well below electionTicks
 * @param preVote           run the PreVote phase before raising the term (thesis §9.6)
 * @param checkQuorum       leaders step down without a majority's contact for an election timeout, and
 *                          followers in contact with a leader ignore vote requests (thesis §6.2, §4.2.3)
 * @param maxInflight       AppendEntries messages in flight per follower while replicating
 * @param maxInflightBytes  bytes of entries in flight per follower
 * @param maxAppendBytes    bytes of entries in one AppendEntries
 * @param maxAppendEntries  entries in one AppendEntries (hashicorp/raft's MaxAppendEntries); a follower far
 *                          behind is repaired in chunks, so the §5.4.2 commit rule is load-bearing even though
 *                          every term starts with a no-op
 * @param leaseDriftTicks   clock-drift margin of leader leases: a leader serves lease reads only until
 *                          electionTicks − leaseDriftTicks after sending a heartbeat round a majority
 *                          acknowledged (followers refuse votes for electionTicks after hearing from it)
 * @param catchUpMaxLag     a member being added as a voter is first a non-voter, promoted only once its log is
 *                          within this many entries of the leader's (thesis §4.2.1), so that adding an empty
 *                          server never leaves the cluster waiting on it to commit
 * @param learnerBytesPerTick at most this many bytes of entries go to each non-voter per tick (0: no limit), so
 *                          that catching a new member up on a long log leaves the machines' CPU and network to the
 *                          voters' commits
 */
public record CoreConfig(int electionTicks, int heartbeatTicks, boolean preVote, boolean checkQuorum,
                         int maxInflight, long maxInflightBytes, long maxAppendBytes, int maxAppendEntries,
                         int leaseDriftTicks, long catchUpMaxLag, long learnerBytesPerTick) {

    public CoreConfig {
        if (heartbeatTicks < 1) {
            throw new IllegalArgumentException("heartbeatTicks must be >= 1");
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTicks (" + electionTicks + ") must exceed heartbeatTicks (" + heartbeatTicks + ")");
        }
        if (leaseDriftTicks < 0 || leaseDriftTicks >= electionTicks) {
            throw new IllegalArgumentException("leaseDriftTicks must be in [0, electionTicks)");
        }
        if (maxInflight < 1 || maxInflightBytes < 1 || maxAppendBytes < 1 || maxAppendEntries < 1) {
            throw new IllegalArgumentException("flow-control limits must be positive");
        }
        if (catchUpMaxLag < 0 || learnerBytesPerTick < 0) {
            throw new IllegalArgumentException("catchUpMaxLag and learnerBytesPerTick must be >= 0");
        }
    }

    /**
     * The largest error of a clock's rate (0.05: running 5 % fast or slow) under which leader leases stay safe. A
     * leader serves lease reads for (E − D) ticks' worth of its clock after sending a round; a follower refuses
     * votes for E ticks' worth of its own after receiving it (E = electionTicks, D = leaseDriftTicks). With the
     * leader's clock slow by ρ and the follower's fast by ρ, the lease ends first iff (E − D)(1 + ρ) ≤ E(1 − ρ),
     * that is ρ ≤ D / (2E − D): 11 % with the defaults. The simulator's drifting clocks stay within it.
     */
    public double maxClockDriftRate() {
        return (double) leaseDriftTicks / (2.0 * electionTicks - leaseDriftTicks);
    }

    public static CoreConfig defaults() {
        return new CoreConfig(50, 10, true, true, 32, 16L << 20, 1L << 20, 64, 10, 1024, 8L << 10);
    }

    /** Both timeouts at once (setting them one by one can pass through an invalid pair). */
    public CoreConfig withTicks(int election, int heartbeat) {
        return new CoreConfig(election, heartbeat, preVote, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries,
                leaseDriftTicks < election ? leaseDriftTicks : election / 5, catchUpMaxLag, learnerBytesPerTick); // keep the margin unless it no longer fits
    }

    public CoreConfig withElectionTicks(int ticks) {
        return new CoreConfig(ticks, heartbeatTicks, preVote, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries,
                leaseDriftTicks < ticks ? leaseDriftTicks : ticks / 5, catchUpMaxLag, learnerBytesPerTick);
    }

    public CoreConfig withHeartbeatTicks(int ticks) {
        return new CoreConfig(electionTicks, ticks, preVote, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, leaseDriftTicks, catchUpMaxLag, learnerBytesPerTick);
    }

    public CoreConfig withPreVote(boolean on) {
        return new CoreConfig(electionTicks, heartbeatTicks, on, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, leaseDriftTicks, catchUpMaxLag, learnerBytesPerTick);
    }

    public CoreConfig withMaxAppendEntries(int n) {
        return new CoreConfig(electionTicks, heartbeatTicks, preVote, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, n, leaseDriftTicks, catchUpMaxLag, learnerBytesPerTick);
    }

    public CoreConfig withCheckQuorum(boolean on) {
        return new CoreConfig(electionTicks, heartbeatTicks, preVote, on, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, leaseDriftTicks, catchUpMaxLag, learnerBytesPerTick);
    }

    public CoreConfig withLeaseDriftTicks(int ticks) {
        return new CoreConfig(electionTicks, heartbeatTicks, preVote, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, ticks, catchUpMaxLag, learnerBytesPerTick);
    }

    public CoreConfig withLearnerBytesPerTick(long bytes) {
        return new CoreConfig(electionTicks, heartbeatTicks, preVote, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, leaseDriftTicks, catchUpMaxLag, bytes);
    }

    public CoreConfig withCatchUpMaxLag(long entries) {
        return new CoreConfig(electionTicks, heartbeatTicks, preVote, checkQuorum, maxInflight, maxInflightBytes, maxAppendBytes, maxAppendEntries, leaseDriftTicks, entries, learnerBytesPerTick);
    }
}
