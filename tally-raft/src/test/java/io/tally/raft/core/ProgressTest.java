package io.tally.raft.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Progress} alone: the leader's view of one follower (Figure 2's nextIndex/matchIndex, with etcd-style
 * PROBE/REPLICATE/SNAPSHOT flow control). No replicator, no core.
 */
class ProgressTest {

    /** Base seed of the randomized case; each case runs on base + its number. Override with -Dtally.seed=N. */
    private static final long SEED = Long.getLong("tally.seed", 0x5EED_0001L);

    /** A follower the leader knows matches up to {@code match}, replicating optimistically from just after it. */
    private static Progress replicating(long match) {
        Progress pr = new Progress("b", match + 1);
        pr.maybeUpdate(match);
        pr.becomeReplicate();
        return pr;
    }

    // Figure 2: nextIndex starts just after the leader's last entry, matchIndex at 0; a new follower is probed.
    @Test
    void aNewFollowerIsProbedFromTheGivenNextWithNothingKnownToMatch() {
        Progress pr = new Progress("b", 11);
        assertEquals(Progress.State.PROBE, pr.state);
        assertEquals(0, pr.match);
        assertEquals(11, pr.next);
        assertFalse(pr.probeSent);
        assertFalse(pr.hasInflight());
    }

    // Figure 2: on success the leader updates matchIndex and nextIndex; a reordered, older answer must not lower them.
    @Test
    void anAcknowledgementRaisesMatchAndNextAndAStaleOneChangesNothing() {
        Progress pr = new Progress("b", 11);
        assertTrue(pr.maybeUpdate(5));
        assertEquals(5, pr.match);
        assertEquals(11, pr.next, "next already beyond the acknowledged index stays");
        assertFalse(pr.maybeUpdate(3), "an older acknowledgement is stale");
        assertFalse(pr.maybeUpdate(5), "a repeated acknowledgement is stale");
        assertEquals(5, pr.match);
        assertEquals(11, pr.next);
        assertTrue(pr.maybeUpdate(20));
        assertEquals(20, pr.match);
        assertEquals(21, pr.next, "next follows an acknowledgement beyond it: match < next");
    }

    // PROBE sends one AppendEntries at a time: an advancing answer ends the outstanding probe; a stale one does not.
    @Test
    void onlyAnAdvancingAcknowledgementEndsTheOutstandingProbe() {
        Progress pr = new Progress("b", 11);
        pr.maybeUpdate(4);
        pr.probeSent = true;
        assertFalse(pr.maybeUpdate(2));
        assertTrue(pr.probeSent, "a stale answer says nothing about the outstanding probe");
        assertTrue(pr.maybeUpdate(10));
        assertFalse(pr.probeSent);
    }

    // §5.3 with the fast back-off: next goes to the hint, but what is known to match is never sent again.
    @Test
    void aRejectionBacksOffToTheFollowersLastTermButNeverBelowItsMatch() {
        Progress pr = new Progress("b", 11);
        pr.maybeUpdate(4);
        pr.probeSent = true;
        assertTrue(pr.maybeDecrTo(10, 7));
        assertEquals(7, pr.next, "to the hint");
        assertFalse(pr.probeSent, "the next probe may go out at once");
        assertTrue(pr.maybeDecrTo(6, 2));
        assertEquals(5, pr.next, "never below match + 1, whatever the hint");
        assertEquals(4, pr.match, "a rejection never lowers match");
    }

    // The back-off always lands strictly below the rejected prevLogIndex + 1, even with a hint beyond it.
    @Test
    void aRejectionNeverMovesNextAboveTheRejectedIndex() {
        Progress pr = new Progress("b", 11);
        assertTrue(pr.maybeDecrTo(10, 50));
        assertEquals(10, pr.next);
    }

    // PROBE: only the answer to the latest probe (prevLogIndex = next - 1) counts.
    @Test
    void aProbeRejectionThatAnswersAnEarlierProbeIsStale() {
        Progress pr = new Progress("b", 11);
        pr.probeSent = true;
        assertFalse(pr.maybeDecrTo(8, 3));
        assertEquals(11, pr.next);
        assertTrue(pr.probeSent);
    }

    // REPLICATE: a rejection of a request at or below match answers something older than what is known; one above
    // it means the stream broke, so the leader drops back to probing and forgets what was in flight.
    @Test
    void whileReplicatingARejectionAtOrBelowMatchIsStaleAndOneAboveDropsBackToProbe() {
        Progress pr = replicating(5);
        pr.addInflight(8, 100);
        pr.addInflight(10, 100);
        pr.next = 11;
        assertFalse(pr.maybeDecrTo(5, 1));
        assertFalse(pr.maybeDecrTo(3, 1));
        assertEquals(Progress.State.REPLICATE, pr.state);
        assertTrue(pr.hasInflight());
        assertEquals(11, pr.next);

        assertTrue(pr.maybeDecrTo(9, 7));
        assertEquals(Progress.State.PROBE, pr.state);
        assertFalse(pr.hasInflight());
        assertFalse(pr.windowFull(1, 1), "the window was emptied");
        assertEquals(7, pr.next);
        assertFalse(pr.probeSent);
    }

    // §7: while a snapshot is streamed, rejections answer AppendEntries from before the transfer began.
    @Test
    void aRejectionDuringASnapshotTransferIsIgnored() {
        Progress pr = new Progress("b", 11);
        pr.becomeSnapshot(3);
        assertFalse(pr.maybeDecrTo(10, 1));
        assertEquals(Progress.State.SNAPSHOT, pr.state);
        assertEquals(11, pr.next);
    }

    // Flow control: the window is full at maxInflight messages or maxInflightBytes bytes; acknowledgements free it.
    @Test
    void theWindowIsFullByMessagesOrByBytesAndAcknowledgementsFreeIt() {
        Progress pr = replicating(0);
        pr.addInflight(2, 40);
        pr.addInflight(4, 40);
        assertFalse(pr.windowFull(3, 100));
        assertTrue(pr.windowFull(2, 100), "two messages of two");
        assertTrue(pr.windowFull(3, 80), "80 bytes of 80");
        pr.addInflight(6, 40);
        assertTrue(pr.windowFull(3, 1000));
        pr.maybeUpdate(3); // frees only the message up to 2
        assertTrue(pr.windowFull(2, 1000));
        assertFalse(pr.windowFull(3, 1000));
        assertFalse(pr.windowFull(3, 81), "80 bytes left in flight");
        pr.maybeUpdate(6);
        assertFalse(pr.hasInflight());
        assertFalse(pr.windowFull(1, 1));
    }

    // A single message larger than the byte budget must still go out, or a large entry would stall replication.
    @Test
    void anEmptyWindowIsNeverFull() {
        Progress pr = replicating(0);
        assertFalse(pr.windowFull(1, 1));
        pr.addInflight(1, 5000);
        assertTrue(pr.windowFull(10, 1000));
    }

    // Lost in-flight AppendEntries: resend from the last known match, still pipelined, with an empty window.
    @Test
    void retransmitRestartsFromTheMatchAndEmptiesTheWindow() {
        Progress pr = replicating(5);
        pr.addInflight(8, 10);
        pr.addInflight(12, 10);
        pr.next = 13;
        pr.retransmit();
        assertEquals(6, pr.next);
        assertEquals(Progress.State.REPLICATE, pr.state);
        assertFalse(pr.hasInflight());
    }

    // §7: a snapshot transfer stops appends; delivered, the follower is probed just after it; failed, from its
    // match, but only after a heartbeat interval (the probe counts as outstanding).
    @Test
    void aSnapshotTransferStopsAppendsAndEndsInAProbeAfterItOrFromTheMatch() {
        Progress pr = replicating(3);
        pr.addInflight(5, 10);
        pr.next = 6;
        pr.becomeSnapshot(42);
        assertEquals(Progress.State.SNAPSHOT, pr.state);
        assertEquals(42, pr.snapshotSentTick);
        assertFalse(pr.hasInflight());
        pr.snapshotDelivered(100);
        assertEquals(Progress.State.PROBE, pr.state);
        assertEquals(101, pr.next);
        assertFalse(pr.probeSent);

        Progress failed = replicating(3);
        failed.becomeSnapshot(42);
        failed.snapshotFailed(50);
        assertEquals(Progress.State.PROBE, failed.state);
        assertEquals(4, failed.next);
        assertTrue(failed.probeSent);
        assertEquals(50, failed.probeSentTick);

        Progress ahead = replicating(30); // acknowledged past the snapshot meanwhile
        ahead.becomeSnapshot(1);
        ahead.snapshotDelivered(20);
        assertEquals(31, ahead.next, "never below match + 1");
    }

    /**
     * Random operation sequences, driven as the replicator drives a progress (sending only what the state allows):
     * after every step match < next, match never falls and equals the highest acknowledgement, only REPLICATE has
     * messages in flight, and the window's fullness equals a naive recount of the unacknowledged messages.
     */
    @Test
    void randomOperationSequencesKeepMatchBelowNextAndAccountTheWindowExactly() {
        System.out.println("ProgressTest seed " + SEED);
        for (int c = 0; c < 500; c++) {
            long seed = SEED + c;
            SplittableRandom r = new SplittableRandom(seed);
            Progress pr = new Progress("b", r.nextLong(1, 20));
            List<long[]> model = new ArrayList<>(); // {lastIndex, bytes} not yet acknowledged
            long highestAck = 0;
            long highestSent = pr.next - 1;
            long tick = 0;
            for (int step = 0; step < 200; step++) {
                int st = step;
                String prBefore = pr.toString();
                Supplier<String> where = () -> "seed " + seed + " step " + st + " " + prBefore;
                long matchBefore = pr.match;
                long nextBefore = pr.next;
                Progress.State stateBefore = pr.state;
                tick++;
                switch (r.nextInt(8)) {
                    case 0, 1 -> { // send what the state allows
                        int maxMsgs = r.nextInt(1, 5);
                        long maxBytes = r.nextLong(1, 400);
                        if (pr.state == Progress.State.REPLICATE && !pr.windowFull(maxMsgs, maxBytes)) {
                            long k = r.nextLong(1, 5);
                            long bytes = k * r.nextLong(24, 100);
                            long last = pr.next - 1 + k;
                            pr.addInflight(last, bytes);
                            model.add(new long[] {last, bytes});
                            pr.next = last + 1;
                            highestSent = Math.max(highestSent, last);
                        } else if (pr.state == Progress.State.PROBE && !pr.probeSent) {
                            pr.probeSent = true;
                            pr.probeSentTick = tick;
                            highestSent = Math.max(highestSent, pr.next - 1 + r.nextLong(0, 4));
                        }
                    }
                    case 2, 3 -> { // an acknowledgement, possibly stale or reordered
                        long idx = r.nextLong(0, highestSent + 1);
                        boolean advanced = pr.maybeUpdate(idx);
                        assertEquals(idx > matchBefore, advanced, () -> where.get() + " ack " + idx);
                        highestAck = Math.max(highestAck, idx);
                        model.removeIf(m -> m[0] <= idx);
                        if (advanced && pr.state != Progress.State.REPLICATE) {
                            pr.becomeReplicate();
                            model.clear();
                        }
                    }
                    case 4 -> { // a rejection, possibly stale
                        long rejected = r.nextLong(0, highestSent + 1);
                        long hint = r.nextLong(1, rejected + 2);
                        boolean expectFresh = switch (stateBefore) {
                            case SNAPSHOT -> false;
                            case REPLICATE -> rejected > matchBefore;
                            case PROBE -> rejected == nextBefore - 1;
                        };
                        assertEquals(expectFresh, pr.maybeDecrTo(rejected, hint), () -> where.get() + " reject " + rejected);
                        if (expectFresh) {
                            assertEquals(Progress.State.PROBE, pr.state, where);
                            assertFalse(pr.probeSent, where);
                            assertTrue(pr.next <= rejected || pr.next == pr.match + 1, () -> where.get() + " next <= rejected");
                            assertTrue(pr.next <= hint || pr.next == pr.match + 1, () -> where.get() + " next <= hint");
                            assertTrue(pr.next <= nextBefore || stateBefore == Progress.State.REPLICATE, where);
                            if (stateBefore == Progress.State.REPLICATE) {
                                model.clear();
                            }
                        } else {
                            assertEquals(nextBefore, pr.next, () -> where.get() + " a stale rejection changes nothing");
                            assertEquals(stateBefore, pr.state, where);
                        }
                    }
                    case 5 -> {
                        if (pr.state == Progress.State.REPLICATE) {
                            pr.retransmit();
                            model.clear();
                            assertEquals(pr.match + 1, pr.next, where);
                        }
                    }
                    case 6 -> {
                        if (pr.state != Progress.State.SNAPSHOT && r.nextInt(3) == 0) {
                            pr.becomeSnapshot(tick);
                            model.clear();
                        }
                    }
                    default -> {
                        if (pr.state == Progress.State.SNAPSHOT) {
                            if (r.nextBoolean()) {
                                long at = r.nextLong(0, highestSent + 5);
                                pr.snapshotDelivered(at);
                                highestSent = Math.max(highestSent, at);
                                assertEquals(Math.max(pr.match, at) + 1, pr.next, where);
                            } else {
                                pr.snapshotFailed(tick);
                                assertEquals(pr.match + 1, pr.next, where);
                            }
                            assertEquals(Progress.State.PROBE, pr.state, where);
                        }
                    }
                }
                Supplier<String> after = () -> "seed " + seed + " step " + st + " " + pr;
                assertTrue(pr.match < pr.next, () -> after.get() + ": match < next");
                assertTrue(pr.match >= matchBefore, () -> after.get() + ": match never falls");
                assertEquals(highestAck, pr.match, () -> after.get() + ": match is the highest acknowledgement");
                assertEquals(!model.isEmpty(), pr.hasInflight(), after);
                if (pr.state != Progress.State.REPLICATE) {
                    assertFalse(pr.hasInflight(), () -> after.get() + ": only REPLICATE pipelines");
                }
                long bytes = 0;
                for (long[] m : model) {
                    bytes += m[1];
                }
                for (int msgs = 1; msgs <= 4; msgs++) {
                    for (long limit : new long[] {1, bytes, bytes + 1, 150}) {
                        if (limit < 1) {
                            continue;
                        }
                        boolean expected = model.size() >= msgs || (bytes >= limit && !model.isEmpty());
                        int m = msgs;
                        long b = bytes;
                        assertEquals(expected, pr.windowFull(msgs, limit), () -> after.get() + ": window of " + m
                                + " messages / " + limit + " bytes with " + model.size() + " messages / " + b + " bytes in flight");
                    }
                }
            }
        }
    }
}
