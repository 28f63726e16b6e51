package io.tally.kv;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The stamps a leader writes into the log: never backwards, never a wall clock, no drift. */
class ClusterClockTest {

    private long nanos;
    private long applied;
    private final ClusterClock clock = new ClusterClock(() -> nanos, () -> applied);

    @Test
    void aNodeStartsAtTheNewestStampItAppliedAndRunsWithItsMonotonicClock() {
        nanos = -8_000_000_000_000L; // System.nanoTime's origin is arbitrary, and may be negative
        applied = 40_000;
        assertEquals(40_000, clock.stamp());
        nanos += 2_500_000_000L;
        assertEquals(42_500, clock.stamp(), "2.5 s later, by the monotonic clock");
        nanos += 60_000_000_000L; // idle for a minute
        assertEquals(102_500, clock.stamp(), "idle time counts");
    }

    @Test
    void itNeverIssuesLessThanWhatTheNodeHasApplied() {
        applied = 1_000;
        clock.stamp();
        nanos += 1_000_000_000L;
        applied = 90_000; // another leader's stamps, applied here while this node followed
        assertEquals(90_000, clock.stamp());
        nanos += 500_000_000L;
        assertEquals(90_500, clock.stamp(), "and carries on from there");
    }

    @Test
    void elapsedTimeIsKeptToTheNanosecondSoFrequentStampsDoNotDrift() {
        applied = 0;
        clock.stamp();
        for (int i = 0; i < 10_000; i++) {
            nanos += 300_000; // 0.3 ms between writes: each step alone is under a millisecond
            clock.stamp();
        }
        assertEquals(3_000, clock.stamp());
    }

    @Test
    void aMonotonicClockThatStallsOrStepsBackDoesNotMoveTimeBack() {
        applied = 5_000;
        clock.stamp();
        nanos += 1_000_000_000L;
        assertEquals(6_000, clock.stamp());
        nanos -= 3_000_000_000L; // a broken clock source; System.nanoTime never does this
        assertEquals(6_000, clock.stamp());
    }
}
