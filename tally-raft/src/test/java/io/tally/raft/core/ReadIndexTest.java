package io.tally.raft.core;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReadIndex} alone (Raft thesis §6.4, §6.4.1), through a fake {@link ReadIndex.Leader} whose heartbeat
 * broadcast numbers rounds as the replicator does, and a clock the test moves by hand. No RaftCore.
 */
class ReadIndexTest {

    /** Base seed of the randomized case; each case runs on base + its number. Override with -Dtally.seed=N. */
    private static final long SEED = Long.getLong("tally.seed", 0x5EED_0003L);

    /** One tick of the test clock, in nanoseconds. */
    private static final long TICK = 1_000;

    /** electionTicks 10, leaseDriftTicks 2: a lease lasts 8 ticks' worth of clock time after the round's send. */
    private static final CoreConfig CFG = new CoreConfig(10, 2, true, true, 3, 1_000_000, 1_000_000, 64, 2, 5, 0);

    private static final long HORIZON = 8 * TICK;

    private static final class FakeLeader implements ReadIndex.Leader {
        String id = "a";
        Configuration configuration = Configuration.ofVoters("a", "b", "c");
        long commitIndex = 5;
        boolean ownTermCommitted = true;
        final long[] now = {1_000_000};
        final CoreClock clock = new CoreClock(TICK, () -> now[0]);
        ReadIndex reads;
        long round;
        /** Every round broadcast, and when. */
        final Map<Long, Long> sentAt = new HashMap<>();
        final List<ReadState> answers = new ArrayList<>();

        FakeLeader(CoreConfig cfg) {
            reads = new ReadIndex(this, cfg, clock);
        }

        FakeLeader() {
            this(CFG);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Configuration configuration() {
            return configuration;
        }

        @Override
        public long commitIndex() {
            return commitIndex;
        }

        @Override
        public boolean ownTermCommitted() {
            return ownTermCommitted;
        }

        /** As the leader does it: the replicator numbers a round, the reads note its send time, then it is sent. */
        @Override
        public long broadcastHeartbeat() {
            long r = ++round;
            reads.roundSent(r);
            sentAt.put(r, now[0]);
            return r;
        }

        @Override
        public void answer(ReadState r) {
            answers.add(r);
        }

        /** A ReadIndex read arriving in a batch of its own (the core's driver ends every batch). */
        void read(long id) {
            reads.request(id);
            reads.endBatch();
        }

        /** A follower's echo arriving in a batch of its own. */
        void ack(String from, long context) {
            reads.acknowledged(from, context);
            reads.endBatch();
        }

        /** A lease read arriving in a batch of its own. */
        void leaseRead(long id) {
            reads.leaseRequest(id);
            reads.endBatch();
        }

        List<ReadState> takeAnswers() {
            List<ReadState> out = new ArrayList<>(answers);
            answers.clear();
            return out;
        }
    }

    private static Configuration joint(List<String> incoming, Set<String> outgoing) {
        List<Member> ms = new ArrayList<>();
        for (String id : incoming) {
            ms.add(Member.voter(id));
        }
        return new Configuration(ms, outgoing);
    }

    // ---------------------------------------------------------------- ReadIndex

    // §6.4 step 3: only a majority's echo of a heartbeat round sent after the read arrived proves that no newer leader
    // existed when it arrived; an echo of an earlier round proves nothing about that moment.
    @Test
    void aReadIsAnsweredOnlyOnceAMajorityEchoesARoundSentAfterItArrived() {
        FakeLeader l = new FakeLeader();
        long before = l.broadcastHeartbeat();
        l.read(7);
        assertEquals(before + 1, l.round, "the read sends a round of its own");
        assertTrue(l.answers.isEmpty());
        l.reads.acknowledged("b", before);
        assertTrue(l.answers.isEmpty(), "an echo of the earlier round");
        l.reads.acknowledged("b", l.round);
        assertEquals(List.of(new ReadState(7, 5)), l.takeAnswers());
        l.reads.acknowledged("c", l.round);
        assertTrue(l.answers.isEmpty(), "answered once");
    }

    // Thesis §6.4's batching: the reads of one batch share one round, sent when the batch ends, after all of them
    // arrived; each is served at the commit index as it stood when it arrived.
    @Test
    void theReadsOfOneBatchShareOneRoundSentAtItsEnd() {
        FakeLeader l = new FakeLeader();
        l.reads.request(1);
        l.commitIndex = 6;
        l.reads.request(2);
        assertEquals(0, l.round, "no round until the batch ends");
        l.reads.endBatch();
        assertEquals(1, l.round, "one round for both reads");
        l.reads.endBatch();
        assertEquals(1, l.round, "a batch without reads sends no round");
        l.reads.acknowledged("b", 1);
        assertEquals(List.of(new ReadState(1, 5), new ReadState(2, 6)), l.takeAnswers());
        l.reads.request(3);
        l.reads.reset();
        assertEquals(List.of(new ReadState(3, -1)), l.takeAnswers(), "a read still waiting for its round fails on reset");
    }

    // An echo of a round not yet sent (or of none) cannot be real: it is ignored, and not remembered for later.
    @Test
    void echoesOfRoundsNeverSentAreIgnored() {
        FakeLeader l = new FakeLeader();
        l.configuration = Configuration.ofVoters("a", "b", "c", "d", "e");
        l.read(1); // round 1
        l.reads.acknowledged("b", 2);
        l.reads.acknowledged("b", 0);
        l.reads.acknowledged("b", -1);
        l.reads.acknowledged("c", 1);
        assertTrue(l.answers.isEmpty(), "a, c of five");
        l.read(2); // waits: read 1's round is unconfirmed
        assertEquals(1, l.round);
        l.broadcastHeartbeat(); // an ordinary heartbeat: round 2 now exists, and carries read 2
        l.reads.acknowledged("d", 2);
        assertEquals(List.of(new ReadState(1, 5)), l.takeAnswers(),
                "read 1: a, c, d; read 2: only a, d — b's echo of round 2 from before it was sent is not remembered");
    }

    // §6.4 step 1: until an entry of its own term commits, a new leader's commit index may lag entries that earlier
    // leaders committed; a read registered then waits, sends no round, and is served at the commit index reached.
    @Test
    void aReadRegisteredBeforeAnOwnTermCommitWaitsForIt() {
        FakeLeader l = new FakeLeader();
        l.ownTermCommitted = false;
        l.read(1);
        assertEquals(0, l.round, "no round yet");
        l.broadcastHeartbeat(); // an ordinary heartbeat round, echoed by everyone
        l.reads.acknowledged("b", 1);
        l.reads.acknowledged("c", 1);
        l.reads.endBatch();
        assertTrue(l.answers.isEmpty());

        l.commitIndex = 8;
        l.ownTermCommitted = true;
        l.reads.endBatch();
        assertEquals(2, l.round, "registered now, with a round of its own");
        assertTrue(l.answers.isEmpty());
        l.reads.acknowledged("c", 2);
        assertEquals(List.of(new ReadState(1, 8)), l.takeAnswers());
    }

    // Reads are served in arrival order, each at the commit index as it stood when it was registered; an echo of
    // round r confirms every read registered at or before r.
    @Test
    void readsAreAnsweredInOrderEachAtTheCommitIndexItArrivedAt() {
        FakeLeader l = new FakeLeader();
        l.read(1); // round 1, at 5
        l.commitIndex = 7;
        l.read(2); // at 7, waits for round 1's confirmation
        l.ack("b", 1); // confirms round 1; the batch's end sends round 2 for read 2
        assertEquals(List.of(new ReadState(1, 5)), l.takeAnswers());
        assertEquals(2, l.round);
        l.ack("b", 2);
        assertEquals(List.of(new ReadState(2, 7)), l.takeAnswers());

        l.read(3); // round 3
        l.commitIndex = 9;
        l.read(4);
        l.broadcastHeartbeat(); // round 4 carries read 4
        l.ack("c", 4); // an echo of round 4 confirms round 3 too
        assertEquals(List.of(new ReadState(3, 7), new ReadState(4, 9)), l.takeAnswers());
    }

    // etcd's way (one ReadIndex in flight per Ready): while a round sent for reads is unconfirmed, later reads send no
    // round of their own; they wait, and the confirmation's batch sends one round for all of them.
    @Test
    void whileARoundOfReadsIsUnconfirmedLaterReadsWaitAndThenShareOneRound() {
        FakeLeader l = new FakeLeader();
        l.read(1);
        for (long id = 2; id <= 20; id++) {
            l.commitIndex++;
            l.read(id);
        }
        assertEquals(1, l.round, "one round in flight, however many reads arrive");
        l.ack("c", 1);
        assertEquals(List.of(new ReadState(1, 5)), l.takeAnswers());
        assertEquals(2, l.round, "the confirmation's batch sends the next round, for reads 2 to 20");
        l.ack("c", 1);
        assertEquals(2, l.round, "a duplicate echo sends nothing");
        l.ack("b", 2);
        List<ReadState> expected = new ArrayList<>();
        for (long id = 2; id <= 20; id++) {
            expected.add(new ReadState(id, 4 + id));
        }
        assertEquals(expected, l.takeAnswers());
        l.reads.endBatch();
        assertEquals(2, l.round, "no reads, no round");
    }

    // If every echo of a round of reads is lost, the reads behind it are not stuck: the periodic heartbeat carries
    // them, and its echoes confirm the lost round's reads as well.
    @Test
    void aRoundWhoseEchoesAreLostIsOvertakenByTheNextHeartbeat() {
        FakeLeader l = new FakeLeader();
        l.read(1); // round 1: its echoes are lost
        l.commitIndex = 6;
        l.read(2);
        assertEquals(1, l.round);
        long heartbeat = l.broadcastHeartbeat();
        l.ack("b", heartbeat);
        assertEquals(List.of(new ReadState(1, 5), new ReadState(2, 6)), l.takeAnswers());
    }

    // A single voter is its own majority; a joint configuration needs a majority of both halves (thesis §4.3).
    @Test
    void aSingleVoterAnswersAtOnceAndAJointConfigurationNeedsBothHalves() {
        FakeLeader one = new FakeLeader();
        one.configuration = Configuration.ofVoters("a");
        one.read(1);
        assertEquals(List.of(new ReadState(1, 5)), one.takeAnswers());

        FakeLeader l = new FakeLeader();
        l.configuration = joint(List.of("a", "b", "c"), Set.of("a", "d", "e"));
        l.read(2);
        l.reads.acknowledged("b", 1);
        l.reads.acknowledged("c", 1);
        assertTrue(l.answers.isEmpty(), "a majority of the new half only");
        l.reads.acknowledged("d", 1);
        assertEquals(List.of(new ReadState(2, 5)), l.takeAnswers());
    }

    // A leader that stops leading can no longer prove it leads: every read not yet answered fails, and nothing of its
    // term — acknowledgements, lease, revocation — carries over.
    @Test
    void resetFailsEveryUnansweredReadAndForgetsTheTerm() {
        FakeLeader l = new FakeLeader();
        l.read(1);
        l.reads.acknowledged("b", l.round);
        assertEquals(List.of(new ReadState(1, 5)), l.takeAnswers());
        assertTrue(l.reads.leaseValid());
        l.ownTermCommitted = false;
        l.read(2); // waits for an own-term commit
        l.ownTermCommitted = true;
        l.read(3); // waits for a majority
        l.reads.revokeLease();

        l.reads.reset();
        assertEquals(Set.of(new ReadState(2, -1), new ReadState(3, -1)), Set.copyOf(l.takeAnswers()));
        assertFalse(l.reads.leaseValid(), "acknowledgements of the old term are forgotten");
        l.reads.acknowledged("b", l.round);
        l.reads.acknowledged("c", l.round);
        l.reads.endBatch();
        assertTrue(l.answers.isEmpty(), "nothing pending any more");
        assertFalse(l.reads.leaseValid(), "an echo of a round of the old term does not renew the lease");
        long fresh = l.broadcastHeartbeat();
        l.reads.acknowledged("b", fresh);
        assertTrue(l.reads.leaseValid(), "the revocation ended with the term");
    }

    // ---------------------------------------------------------------- leases

    // §6.4.1: no other leader can arise until an election timeout after the followers heard the round — which is no
    // earlier than when it was sent. The lease runs (electionTicks − leaseDriftTicks) of clock time from the send of the
    // newest round a quorum acknowledged, however late the acknowledgement arrived, and however few ticks passed.
    @Test
    void aLeaseHoldsUntilElectionMinusDriftTicksOfClockTimeAfterTheAcknowledgedRoundWasSent() {
        FakeLeader l = new FakeLeader();
        long t0 = l.now[0];
        assertFalse(l.reads.leaseValid(), "nothing acknowledged");
        long r = l.broadcastHeartbeat();
        l.now[0] = t0 + 3 * TICK;
        l.reads.acknowledged("b", r);
        assertTrue(l.reads.leaseValid());
        l.now[0] = t0 + HORIZON - 1;
        assertTrue(l.reads.leaseValid());
        l.now[0] = t0 + HORIZON;
        assertFalse(l.reads.leaseValid(), "counted from the send, not from the acknowledgement");

        long r2 = l.broadcastHeartbeat();
        l.reads.acknowledged("c", r2);
        assertTrue(l.reads.leaseValid());
        l.now[0] += 3_600_000_000_000L; // paused for an hour: not one tick went by, but the lease ran out
        assertFalse(l.reads.leaseValid());
    }

    // §6.4.1 relies on followers refusing votes while they hear from a leader, which is CheckQuorum's vote lease.
    @Test
    void aLeaseIsInvalidWithoutCheckQuorum() {
        FakeLeader l = new FakeLeader(CFG.withCheckQuorum(false));
        long r = l.broadcastHeartbeat();
        l.reads.acknowledged("b", r);
        l.reads.acknowledged("c", r);
        assertFalse(l.reads.leaseValid());
        l.leaseRead(1);
        assertTrue(l.answers.isEmpty(), "falls back to ReadIndex");
        assertEquals(r + 1, l.round);
    }

    // TimeoutNow lets the target skip the voters' vote lease: once a transfer starts, the lease is over for the term.
    @Test
    void aRevokedLeaseStaysInvalidWhateverIsAcknowledgedAfterwards() {
        FakeLeader l = new FakeLeader();
        long r = l.broadcastHeartbeat();
        l.reads.acknowledged("b", r);
        assertTrue(l.reads.leaseValid());
        l.reads.revokeLease();
        assertFalse(l.reads.leaseValid());
        long r2 = l.broadcastHeartbeat();
        l.reads.acknowledged("b", r2);
        l.reads.acknowledged("c", r2);
        assertFalse(l.reads.leaseValid());
        l.leaseRead(1);
        assertTrue(l.answers.isEmpty(), "falls back to ReadIndex");
    }

    // While the lease holds a lease read is served at once, at the commit index, without a round; otherwise it is a
    // ReadIndex read.
    @Test
    void aLeaseReadIsServedAtOnceWhileTheLeaseHoldsAndOtherwiseAsAReadIndexRead() {
        FakeLeader l = new FakeLeader();
        long r = l.broadcastHeartbeat();
        l.reads.acknowledged("b", r);
        l.leaseRead(1);
        assertEquals(List.of(new ReadState(1, 5)), l.takeAnswers());
        assertEquals(r, l.round, "no round needed");

        l.now[0] += HORIZON;
        l.leaseRead(2);
        assertTrue(l.answers.isEmpty());
        assertEquals(r + 1, l.round);
        l.reads.acknowledged("c", r + 1);
        assertEquals(List.of(new ReadState(2, 5)), l.takeAnswers());
    }

    // The lease says who leads, not that the commit index is current: before an own-term commit a lease read waits too.
    @Test
    void aLeaseReadBeforeAnOwnTermCommitWaitsEvenWithAValidLease() {
        FakeLeader l = new FakeLeader();
        long r = l.broadcastHeartbeat();
        l.reads.acknowledged("b", r);
        assertTrue(l.reads.leaseValid());
        l.ownTermCommitted = false;
        l.leaseRead(1);
        assertTrue(l.answers.isEmpty());
        assertEquals(r, l.round);
        l.commitIndex = 6;
        l.ownTermCommitted = true;
        l.reads.endBatch();
        l.reads.acknowledged("b", l.round);
        assertEquals(List.of(new ReadState(1, 6)), l.takeAnswers());
    }

    private static boolean naiveIsQuorum(Configuration c, Set<String> live) {
        for (Set<String> half : List.of(c.voters(), c.outgoingVoters())) {
            long n = half.stream().filter(live::contains).count();
            if (!half.isEmpty() && 2 * n <= half.size()) {
                return false;
            }
        }
        return true;
    }

    private static final List<String> POOL = List.of("a", "b", "c", "d", "e");

    private static Set<String> randomSubset(SplittableRandom r) {
        Set<String> s = new LinkedHashSet<>();
        while (s.isEmpty()) {
            for (String id : POOL) {
                if (r.nextBoolean()) {
                    s.add(id);
                }
            }
        }
        return s;
    }

    /**
     * Lease validity against a direct computation from the recorded send times: valid iff CheckQuorum is on, the
     * lease was not revoked this term, and the leader plus every peer that acknowledged some round sent less than
     * (electionTicks − leaseDriftTicks) ticks of clock time ago form a quorum (of both halves when joint). Random
     * timings, reordered, duplicated and bogus echoes, revocations, and terms ending (after which echoes of the old
     * term's rounds count for nothing).
     */
    @Test
    void leaseValidityMatchesADirectComputationFromRecordedSendTimes() {
        System.out.println("ReadIndexTest seed " + SEED);
        for (int k = 0; k < 1000; k++) {
            long seed = SEED + k;
            SplittableRandom r = new SplittableRandom(seed);
            int election = r.nextInt(2, 20);
            int drift = r.nextInt(0, election);
            boolean checkQuorum = r.nextInt(5) != 0;
            CoreConfig cfg = new CoreConfig(election, 1, true, checkQuorum, 3, 1_000_000, 1_000_000, 64, drift, 5, 0);
            FakeLeader l = new FakeLeader(cfg);
            List<String> incoming = new ArrayList<>(randomSubset(r));
            l.configuration = joint(incoming, r.nextBoolean() ? randomSubset(r) : Set.of());
            long horizon = (long) (election - drift) * TICK;
            Map<String, Long> newestAckedSend = new HashMap<>();
            boolean revoked = false;
            long firstRoundOfTerm = 1;
            for (int step = 0; step < 150; step++) {
                switch (r.nextInt(10)) {
                    case 0, 1 -> l.now[0] += r.nextLong(0, 2L * election * TICK);
                    case 2 -> l.now[0] += r.nextLong(0, TICK);
                    case 3, 4 -> l.broadcastHeartbeat();
                    case 5, 6, 7 -> {
                        String from = r.nextInt(8) == 0 ? "stranger" : POOL.get(r.nextInt(POOL.size()));
                        long context = r.nextLong(-1, l.round + 3);
                        if (context >= firstRoundOfTerm && context <= l.round) {
                            newestAckedSend.merge(from, l.sentAt.get(context), Math::max);
                        }
                        l.reads.acknowledged(from, context);
                    }
                    case 8 -> {
                        if (r.nextInt(10) == 0) {
                            l.reads.revokeLease();
                            revoked = true;
                        }
                    }
                    default -> {
                        if (r.nextInt(10) == 0) {
                            l.reads.reset();
                            newestAckedSend.clear();
                            revoked = false;
                            firstRoundOfTerm = l.round + 1; // rounds of the old term prove nothing
                        }
                    }
                }
                Set<String> live = new LinkedHashSet<>();
                live.add(l.id);
                long now = l.now[0];
                newestAckedSend.forEach((peer, sent) -> {
                    if (now - sent < horizon) {
                        live.add(peer);
                    }
                });
                boolean expected = checkQuorum && !revoked && naiveIsQuorum(l.configuration, live);
                int s = step;
                boolean rv = revoked;
                assertEquals(expected, l.reads.leaseValid(), () -> "seed " + seed + " step " + s + " " + l.configuration
                        + " E=" + election + " D=" + drift + " checkQuorum=" + checkQuorum + " revoked=" + rv + " now="
                        + now + " newest acknowledged sends " + newestAckedSend);
            }
        }
    }

    /**
     * ReadIndex reads against a direct model of §6.4: a read registered (own-term entry committed) when the newest
     * round was {@code after} is answered at the commit index it was registered at, in registration order, exactly
     * once, and as soon as the leader plus the followers that echoed a round of this term later than {@code after}
     * form a quorum (in the configuration of the moment) — never before;
     * a round is sent for reads exactly when reads wait for one and no read of an earlier round is unanswered; a
     * reset fails every unanswered read; and in the end two heartbeats echoed by everyone answer every read. Random
     * batches, commits, heartbeats, membership changes, reordered, duplicated and bogus echoes, and terms ending.
     */
    @Test
    void readsMatchADirectModelOfRoundsAndEchoes() {
        System.out.println("ReadIndexTest reads seed " + SEED);
        for (int k = 0; k < 1000; k++) {
            long seed = SEED + k;
            SplittableRandom r = new SplittableRandom(seed);
            FakeLeader l = new FakeLeader();
            l.configuration = joint(new ArrayList<>(randomSubset(r)), r.nextBoolean() ? randomSubset(r) : Set.of());
            l.ownTermCommitted = r.nextBoolean();
            Map<Long, long[]> registered = new HashMap<>(); // id -> (index, newest round at registration)
            List<Long> unanswered = new ArrayList<>(); // registered, in registration order
            List<Long> awaitingCommit = new ArrayList<>();
            Map<String, Long> newestEcho = new HashMap<>();
            long firstRoundOfTerm = 1;
            long nextId = 1;
            for (int step = 0; step < 200; step++) {
                String where = "seed " + seed + " step " + step + " " + l.configuration + ": ";
                boolean reset = false;
                switch (r.nextInt(12)) {
                    case 0, 1, 2 -> {
                        long id = nextId++;
                        if (l.ownTermCommitted) {
                            registered.put(id, new long[] {l.commitIndex, l.round});
                            unanswered.add(id);
                        } else {
                            awaitingCommit.add(id);
                        }
                        l.reads.request(id);
                    }
                    case 3 -> l.commitIndex++;
                    case 4 -> l.ownTermCommitted = true;
                    case 5, 6 -> {
                        if (l.ownTermCommitted) {
                            for (long id : awaitingCommit) {
                                registered.put(id, new long[] {l.commitIndex, l.round});
                                unanswered.add(id);
                            }
                            awaitingCommit.clear();
                        }
                        long before = l.round;
                        boolean waiting = unanswered.stream().anyMatch(id -> registered.get(id)[1] == before);
                        boolean assigned = unanswered.stream().anyMatch(id -> registered.get(id)[1] < before);
                        l.reads.endBatch();
                        assertEquals(waiting && !assigned, l.round > before, where + "a round for reads is sent exactly "
                                + "when reads wait for one and no read of an earlier round is unanswered");
                    }
                    case 7 -> {
                        if (r.nextInt(4) == 0) { // a membership change, as the leader appends it
                            l.configuration = joint(new ArrayList<>(randomSubset(r)),
                                    r.nextBoolean() ? randomSubset(r) : Set.of());
                            l.reads.configurationChanged();
                        } else {
                            l.broadcastHeartbeat();
                        }
                    }
                    case 8, 9, 10 -> {
                        String from = r.nextInt(8) == 0 ? "stranger" : POOL.get(r.nextInt(POOL.size()));
                        long context = r.nextLong(-1, l.round + 3);
                        if (!from.equals("stranger") && context >= firstRoundOfTerm && context <= l.round) {
                            newestEcho.merge(from, context, Math::max);
                        }
                        l.reads.acknowledged(from, context);
                    }
                    default -> {
                        if (r.nextInt(4) == 0) {
                            l.reads.reset();
                            reset = true;
                        }
                    }
                }
                List<ReadState> answers = l.takeAnswers();
                if (reset) {
                    Set<Long> failed = new HashSet<>();
                    for (ReadState a : answers) {
                        assertEquals(-1, a.index(), where + "reset answered " + a);
                        assertTrue(failed.add(a.requestId()), where + "failed twice: " + a);
                    }
                    Set<Long> expected = new HashSet<>(unanswered);
                    expected.addAll(awaitingCommit);
                    assertEquals(expected, failed, where + "a reset fails exactly the unanswered reads");
                    unanswered.clear();
                    awaitingCommit.clear();
                    newestEcho.clear();
                    firstRoundOfTerm = l.round + 1; // rounds of the old term prove nothing
                    l.ownTermCommitted = r.nextBoolean();
                    continue;
                }
                for (ReadState a : answers) {
                    assertFalse(unanswered.isEmpty(), where + "answered a read not waiting: " + a);
                    long id = unanswered.remove(0);
                    assertEquals(id, a.requestId(), where + "answered out of registration order");
                    long[] read = registered.get(id);
                    assertEquals(read[0], a.index(), where + "read " + id + " served at the wrong index");
                    assertTrue(confirmedAfter(l.configuration, l.id, newestEcho, read[1]),
                            where + "read " + id + " answered before a quorum echoed a later round: " + newestEcho);
                }
                for (long id : unanswered) {
                    long after = registered.get(id)[1];
                    assertFalse(after < l.round && confirmedAfter(l.configuration, l.id, newestEcho, after),
                            where + "read " + id + " is confirmed but not answered: " + newestEcho);
                }
            }
            l.ownTermCommitted = true;
            for (int i = 0; i < 2; i++) {
                l.reads.endBatch();
                long heartbeat = l.broadcastHeartbeat();
                for (String id : POOL) {
                    l.reads.acknowledged(id, heartbeat);
                }
            }
            long answered = l.takeAnswers().stream().filter(a -> a.index() >= 0).count();
            assertEquals(unanswered.size() + awaitingCommit.size(), answered, "seed " + seed + ": every read answered in the end");
        }
    }

    private static boolean confirmedAfter(Configuration c, String leader, Map<String, Long> newestEcho, long after) {
        Set<String> live = new HashSet<>();
        live.add(leader);
        newestEcho.forEach((peer, echo) -> {
            if (echo > after) {
                live.add(peer);
            }
        });
        return naiveIsQuorum(c, live);
    }
}
