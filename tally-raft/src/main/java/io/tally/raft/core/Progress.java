package io.tally.raft.core;

import java.util.ArrayDeque;

/**
 * The leader's view of one follower (Figure 2's nextIndex and matchIndex, plus flow control as in
 * etcd's tracker): in {@link State#PROBE} the leader sends one AppendEntries at a time until it finds
 * where the logs match; in {@link State#REPLICATE} it streams optimistically, bounded by an in-flight
 * window of messages and bytes.
 *
 * <p>Invariant: {@code match < next}.
 */
final class Progress {

    /** SNAPSHOT: the follower needs compacted entries; a snapshot is being streamed to it (§7). */
    enum State { PROBE, REPLICATE, SNAPSHOT }

    final String id;
    long match;
    long next;
    State state = State.PROBE;
    /** In PROBE: an AppendEntries is outstanding; wait for its answer (or for it to be presumed lost). */
    boolean probeSent;
    /** Tick of the last AppendEntries sent while probing. */
    long probeSentTick;
    /** Tick of the last AppendEntries response of any kind. */
    long lastResponseTick;
    /** Heard from since the last CheckQuorum round. */
    boolean recentActive;
    /** Tick at which the current snapshot transfer to this follower started. */
    long snapshotSentTick;
    /** The highest commit index this follower has been told. */
    long sentCommit;
    /** Not a voter of the configuration in force (a member being caught up, or a removed one): paced. */
    boolean learner;
    /** Non-voters: the tick {@link #tickBytes} counts for, and the entry bytes sent to it in that tick. */
    long bytesTick = -1;
    long tickBytes;

    private final ArrayDeque<long[]> inflight = new ArrayDeque<>(); // {lastIndex, bytes}
    private long inflightBytes;

    Progress(String id, long next) {
        this.id = id;
        this.next = next;
    }

    void becomeSnapshot(long tick) {
        state = State.SNAPSHOT;
        snapshotSentTick = tick;
        probeSent = false;
        clearInflight();
    }

    /** The follower holds the snapshot up to {@code lastIndex}: probe from just after it. */
    void snapshotDelivered(long lastIndex) {
        state = State.PROBE;
        next = Math.max(match + 1, lastIndex + 1);
        probeSent = false;
        clearInflight();
    }

    /** A snapshot transfer failed: probe again, after a heartbeat interval. */
    void snapshotFailed(long tick) {
        state = State.PROBE;
        next = match + 1;
        probeSent = true;
        probeSentTick = tick;
        clearInflight();
    }

    void becomeReplicate() {
        state = State.REPLICATE;
        next = match + 1;
        probeSent = false;
        clearInflight();
    }

    /**
     * The in-flight AppendEntries look lost (the follower answers heartbeats but not them): send again from
     * the last known match, still pipelined. Duplicates are harmless; the follower skips entries it has.
     */
    void retransmit() {
        next = match + 1;
        clearInflight();
    }

    /** Records an acknowledged match; returns false for a stale (non-advancing) acknowledgement. */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (index > match) {
            match = index;
            updated = true;
            probeSent = false;
        }
        if (next < index + 1) {
            next = index + 1;
        }
        freeUpTo(index);
        return updated;
    }

    /**
     * Handles a rejection of the AppendEntries whose prevLogIndex was {@code rejected}; {@code hintNext}
     * is where the fast back-off says to try next. Drops back to PROBE. Returns false for a stale rejection.
     */
    boolean maybeDecrTo(long rejected, long hintNext) {
        if (state == State.SNAPSHOT) {
            return false; // answers an AppendEntries from before the snapshot transfer began
        }
        if (state == State.REPLICATE) {
            if (rejected <= match) {
                return false; // answers a request older than what we already know matches
            }
            state = State.PROBE;
            clearInflight();
        } else if (rejected != next - 1) {
            return false; // answers an earlier probe
        }
        // Always strictly below the rejected prevLogIndex + 1, never below what is known to match.
        next = Math.max(match + 1, Math.min(hintNext, rejected));
        probeSent = false;
        return true;
    }

    boolean windowFull(int maxMessages, long maxBytes) {
        return inflight.size() >= maxMessages || (inflightBytes >= maxBytes && !inflight.isEmpty());
    }

    boolean hasInflight() {
        return !inflight.isEmpty();
    }

    void addInflight(long lastIndex, long bytes) {
        inflight.addLast(new long[] {lastIndex, bytes});
        inflightBytes += bytes;
    }

    private void freeUpTo(long index) {
        while (!inflight.isEmpty() && inflight.peekFirst()[0] <= index) {
            inflightBytes -= inflight.pollFirst()[1];
        }
    }

    private void clearInflight() {
        inflight.clear();
        inflightBytes = 0;
    }

    @Override
    public String toString() {
        return id + "{" + state + " match=" + match + " next=" + next + " inflight=" + inflight.size() + "}";
    }
}
