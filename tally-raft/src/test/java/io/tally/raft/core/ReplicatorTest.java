package io.tally.raft.core;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Member;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Replicator} alone, through a fake {@link Replicator.Leader}: a real {@link RaftLog} and plain fields the
 * test sets, and lists that record what the replicator sent. No RaftCore.
 */
class ReplicatorTest {

    /** Base seed of the randomized cases; each case runs on base + its number. Override with -Dtally.seed=N. */
    private static final long SEED = Long.getLong("tally.seed", 0x5EED_0002L);

    /** electionTicks 10, heartbeatTicks 2; window of 3 messages; one entry per AppendEntries; no pacing. */
    private static final CoreConfig CFG = new CoreConfig(10, 2, true, true, 3, 1_000_000, 1_000_000, 1, 2, 5, 0);

    private static final long TERM = 3;

    private static final class FakeLeader implements Replicator.Leader {
        String id = "a";
        long term = TERM;
        long commitIndex;
        RaftLog log;
        long ticks;
        Configuration configuration;
        Configuration committed;
        final List<RaftMessage> sent = new ArrayList<>();
        final List<String> snapshots = new ArrayList<>();

        FakeLeader(RaftLog log, Configuration c) {
            this.log = log;
            this.configuration = c;
            this.committed = c;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public long term() {
            return term;
        }

        @Override
        public long commitIndex() {
            return commitIndex;
        }

        @Override
        public RaftLog log() {
            return log;
        }

        @Override
        public long ticks() {
            return ticks;
        }

        @Override
        public Configuration configuration() {
            return configuration;
        }

        @Override
        public Configuration committedConfiguration() {
            return committed;
        }

        @Override
        public void send(RaftMessage m) {
            sent.add(m);
        }

        @Override
        public void sendSnapshot(String peer) {
            snapshots.add(peer);
        }

        /** The AppendEntries sent to {@code peer} since the last call (other messages stay recorded). */
        List<AppendRequest> appendsTo(String peer) {
            List<AppendRequest> out = new ArrayList<>();
            sent.removeIf(m -> {
                if (m instanceof AppendRequest a && a.to().equals(peer)) {
                    out.add(a);
                    return true;
                }
                return false;
            });
            return out;
        }

        /** The heartbeats sent to {@code peer} since the last call. */
        List<Heartbeat> heartbeatsTo(String peer) {
            List<Heartbeat> out = new ArrayList<>();
            sent.removeIf(m -> {
                if (m instanceof Heartbeat h && h.to().equals(peer)) {
                    out.add(h);
                    return true;
                }
                return false;
            });
            return out;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Entry entry(long index, long term, int dataBytes) {
        return new Entry(index, term, EntryType.COMMAND, new byte[dataBytes]);
    }

    /** A durable log of one entry per given term (index i + 1 has terms[i]). */
    private static RaftLog logOfTerms(long... terms) {
        List<Entry> es = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            es.add(entry(i + 1, terms[i], 0));
        }
        return new RaftLog(0, 0, Configuration.EMPTY, es);
    }

    /** Appends {@code n} not-yet-durable entries of the leader's term with {@code dataBytes} of data each. */
    private static void appendEntries(FakeLeader l, int n, int dataBytes) {
        for (int i = 0; i < n; i++) {
            l.log.append(entry(l.log.lastIndex() + 1, l.term, dataBytes));
        }
    }

    private static long appendConfiguration(FakeLeader l, Configuration c) {
        long idx = l.log.lastIndex() + 1;
        l.log.append(new Entry(idx, l.term, EntryType.CONFIGURATION, ConfigurationCodec.encode(c)));
        return idx;
    }

    private static AppendResponse ack(String from, long match) {
        return AppendResponse.success(from, "a", TERM, match);
    }

    private static AppendResponse reject(String from, long rejected, long conflictTerm, long conflictIndex) {
        return new AppendResponse(from, "a", TERM, false, 0, rejected, conflictTerm, conflictIndex);
    }

    private static HeartbeatResponse heartbeatAnswer(String from) {
        return new HeartbeatResponse(from, "a", TERM, 0);
    }

    /** {@code times} rounds of "something changed; flush", as several batches of one tick would run. */
    private static void flushRepeatedly(Replicator rep, int times) {
        for (int i = 0; i < times; i++) {
            rep.markDirty();
            rep.flush();
        }
    }

    private static Configuration withNonVoter(String nonVoter, String... voters) {
        List<Member> ms = new ArrayList<>();
        for (String v : voters) {
            ms.add(Member.voter(v));
        }
        ms.add(Member.nonVoter(nonVoter, ""));
        return Configuration.of(ms);
    }

    /** A leader "a" over {@code log} replicating to {@code c}, with every follower probed and caught up to the log. */
    private static Replicator caughtUp(FakeLeader l, CoreConfig cfg) {
        Replicator rep = new Replicator(l, cfg);
        rep.start();
        rep.flush();
        for (String peer : rep.progress().keySet()) {
            rep.handleAppendResponse(ack(peer, l.log.lastIndex()));
        }
        rep.flush();
        l.sent.clear();
        return rep;
    }

    // ---------------------------------------------------------------- quorumMatch

    /** Naive oracle: per voter set, sort every voter's match descending and take the value a majority holds. */
    private static long naiveQuorumMatch(Configuration c, String leader, long leaderDurable, Map<String, Long> acked) {
        long result = Long.MAX_VALUE;
        for (Set<String> half : List.of(c.voters(), c.outgoingVoters())) {
            if (half.isEmpty()) {
                continue;
            }
            long[] m = new long[half.size()];
            int i = 0;
            for (String v : half) {
                m[i++] = v.equals(leader) ? leaderDurable : acked.getOrDefault(v, 0L);
            }
            Arrays.sort(m); // ascending; the majority's value is the (n/2 + 1)-th largest
            result = Math.min(result, m[m.length - 1 - half.size() / 2]);
        }
        return result == Long.MAX_VALUE ? 0 : result;
    }

    private static final List<String> POOL = List.of("a", "b", "c", "d", "e", "f", "g");

    private static Set<String> randomSubset(SplittableRandom r, int min) {
        Set<String> s = new LinkedHashSet<>();
        while (s.size() < min) {
            for (String id : POOL) {
                if (r.nextInt(3) == 0) {
                    s.add(id);
                }
            }
        }
        return s;
    }

    /** A random configuration over the pool: voters, some non-voters, and half the time an outgoing voter set. */
    private static Configuration randomConfiguration(SplittableRandom r) {
        Set<String> voters = randomSubset(r, 1);
        List<Member> ms = new ArrayList<>();
        for (String id : POOL) {
            if (voters.contains(id)) {
                ms.add(Member.voter(id));
            } else if (r.nextInt(4) == 0) {
                ms.add(Member.nonVoter(id, ""));
            }
        }
        Set<String> outgoing = r.nextBoolean() ? randomSubset(r, 1) : Set.of();
        return new Configuration(ms, outgoing);
    }

    // Figure 2's commit rule over a quorum's matchIndex, by a majority of both halves when joint (thesis §4.3); the
    // leader counts itself only as far as its own log is durable (thesis §10.2.1), never further.
    @Test
    void quorumMatchIsWhatAMajorityOfEachHalfHoldsCountingTheLeaderOnlyUpToItsDurableIndex() {
        System.out.println("ReplicatorTest quorumMatch seed " + SEED);
        for (int k = 0; k < 3000; k++) {
            long seed = SEED + k;
            SplittableRandom r = new SplittableRandom(seed);
            int durable = r.nextInt(0, 12);
            List<Entry> es = new ArrayList<>();
            for (int i = 0; i < durable; i++) {
                es.add(entry(i + 1, 1, 0));
            }
            FakeLeader l = new FakeLeader(new RaftLog(0, 0, Configuration.EMPTY, es), randomConfiguration(r));
            appendEntries(l, r.nextInt(0, 8), 0); // not yet durable on the leader
            long last = l.log.lastIndex();
            Replicator rep = new Replicator(l, CFG);
            rep.start();
            Map<String, Long> acked = new HashMap<>();
            for (String peer : new ArrayList<>(rep.progress().keySet())) {
                int answers = r.nextInt(0, 4);
                for (int i = 0; i < answers; i++) { // reordered answers: the highest counts, stale ones are ignored
                    long m = r.nextLong(0, last + 1);
                    rep.handleAppendResponse(ack(peer, m));
                    acked.merge(peer, m, Math::max);
                }
            }
            assertFalse(rep.handleAppendResponse(ack("stranger", last)), "not a peer");
            long expected = naiveQuorumMatch(l.configuration, l.id, l.log.stableIndex(), acked);
            assertEquals(expected, rep.quorumMatch(), "seed " + seed + " " + l.configuration + " leader durable at "
                    + l.log.stableIndex() + " of " + last + ", acknowledged " + acked);
        }
    }

    // §10.2.1: the leader's own entry counts once durable — here a single voter commits nothing before its disk does.
    @Test
    void aSingleVotersQuorumMatchFollowsItsDurableIndexNotItsLastIndex() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 1), Configuration.ofVoters("a"));
        appendEntries(l, 3, 0);
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        assertEquals(2, rep.quorumMatch());
        assertTrue(l.log.stableTo(4, TERM));
        assertEquals(4, rep.quorumMatch());
    }

    // ---------------------------------------------------------------- acknowledgements and probes

    // Figure 2: matchIndex only rises; a reordered, older answer changes nothing and reports no advance.
    @Test
    void aStaleAcknowledgementIsIgnored() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 1, 1, 1, 1, 1), Configuration.ofVoters("a", "b", "c"));
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        assertTrue(rep.handleAppendResponse(ack("b", 5)));
        assertFalse(rep.handleAppendResponse(ack("b", 3)));
        assertFalse(rep.handleAppendResponse(ack("b", 5)));
        assertEquals(5, rep.match("b"));
        assertEquals(0, rep.match("c"));
        assertFalse(rep.handleAppendResponse(ack("z", 6)), "not a peer of this leader");
        assertEquals(-1, rep.match("z"));
    }

    // §5.3: a new leader (or a member just added) does not know where the follower's log matches: it probes with an
    // empty AppendEntries at its last entry even though it has nothing new, one probe at a time.
    @Test
    void aMemberJustAddedIsProbedEvenWithNoNewEntries() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 2, 2), Configuration.ofVoters("a", "b"));
        l.commitIndex = 2;
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        assertTrue(rep.isDirty());
        rep.flush();
        List<AppendRequest> probes = l.appendsTo("b");
        assertEquals(List.of(new AppendRequest("a", "b", TERM, 3, 2, List.of(), 2)), probes);
        flushRepeatedly(rep, 3);
        assertTrue(l.appendsTo("b").isEmpty(), "one probe at a time");

        l.configuration = Configuration.ofVoters("a", "b", "c");
        rep.configurationChanged();
        rep.flush();
        assertEquals(List.of(new AppendRequest("a", "c", TERM, 3, 2, List.of(), 2)), l.appendsTo("c"));
        assertTrue(l.appendsTo("b").isEmpty());

        rep.handleAppendResponse(ack("c", 3));
        flushRepeatedly(rep, 3);
        assertTrue(l.appendsTo("c").isEmpty(), "a follower holding the whole log is sent no empty AppendEntries");
    }

    // Flow control: a replicating follower is streamed one AppendEntries per batch, up to maxInflight unacknowledged
    // messages; each acknowledgement frees room for one more.
    @Test
    void aFollowerIsPipelinedUpToTheMessageWindowAndAcknowledgementsReopenIt() {
        FakeLeader l = new FakeLeader(logOfTerms(TERM), Configuration.ofVoters("a", "b"));
        Replicator rep = caughtUp(l, CFG);
        appendEntries(l, 10, 0);
        flushRepeatedly(rep, 10);
        List<AppendRequest> sent = l.appendsTo("b");
        assertEquals(3, sent.size(), "maxInflight = 3");
        for (int i = 0; i < 3; i++) {
            assertEquals(1 + i, sent.get(i).prevLogIndex(), "pipelined back to back");
            assertEquals(List.of(l.log.entry(2 + i)), sent.get(i).entries());
        }
        assertTrue(rep.handleAppendResponse(ack("b", 2)));
        flushRepeatedly(rep, 10);
        sent = l.appendsTo("b");
        assertEquals(1, sent.size());
        assertEquals(4, sent.get(0).prevLogIndex());
    }

    // Flow control by bytes: at most maxInflightBytes of entries unacknowledged.
    @Test
    void aFollowerIsPipelinedUpToTheByteWindow() {
        CoreConfig cfg = new CoreConfig(10, 2, true, true, 100, 100, 1_000_000, 1, 2, 5, 0);
        FakeLeader l = new FakeLeader(logOfTerms(TERM), Configuration.ofVoters("a", "b"));
        Replicator rep = caughtUp(l, cfg);
        appendEntries(l, 10, 26); // 50 bytes each
        flushRepeatedly(rep, 10);
        assertEquals(2, l.appendsTo("b").size(), "100 bytes of 100");
        rep.handleAppendResponse(ack("b", 2));
        flushRepeatedly(rep, 10);
        assertEquals(1, l.appendsTo("b").size());
    }

    // CoreConfig#learnerBytesPerTick: catching a non-voter up goes at most this many bytes per tick (one message may
    // cross the line); voters are not paced; the next tick resumes on its own.
    @Test
    void nonVotersArePacedByBytesPerTickWhileVotersAreNot() {
        CoreConfig cfg = new CoreConfig(10, 2, true, true, 100, 1_000_000, 1_000_000, 1, 2, 5, 100);
        FakeLeader l = new FakeLeader(logOfTerms(TERM), withNonVoter("l", "a", "b"));
        l.ticks = 1;
        Replicator rep = caughtUp(l, cfg);
        appendEntries(l, 10, 26); // 50 bytes each
        flushRepeatedly(rep, 20);
        assertEquals(10, l.appendsTo("b").size(), "a voter is not paced");
        assertEquals(2, l.appendsTo("l").size(), "100 bytes per tick");
        assertFalse(rep.isDirty());
        int received = 2;
        while (received < 10) {
            l.ticks++;
            rep.tick();
            assertTrue(rep.isDirty(), "a new tick resumes the throttled non-voter");
            rep.flush();
            flushRepeatedly(rep, 20);
            List<AppendRequest> tick = l.appendsTo("l");
            long bytes = tick.stream().flatMap(a -> a.entries().stream()).mapToLong(Entry::sizeBytes).sum();
            assertEquals(100, bytes, "tick " + l.ticks);
            assertEquals(1 + received, tick.get(0).prevLogIndex(), "resumes where the last tick stopped");
            received += tick.size();
        }
        l.ticks++;
        rep.tick();
        flushRepeatedly(rep, 3);
        assertTrue(l.appendsTo("l").isEmpty());
    }

    // Pacing is for members that do not vote: once promoted, a member is caught up at full speed.
    @Test
    void aPromotedNonVoterIsNoLongerPaced() {
        CoreConfig cfg = new CoreConfig(10, 2, true, true, 100, 1_000_000, 1_000_000, 1, 2, 5, 100);
        FakeLeader l = new FakeLeader(logOfTerms(TERM), withNonVoter("l", "a", "b"));
        Replicator rep = caughtUp(l, cfg);
        l.configuration = Configuration.ofVoters("a", "b", "l");
        rep.configurationChanged();
        appendEntries(l, 10, 26);
        flushRepeatedly(rep, 20);
        assertEquals(10, l.appendsTo("l").size());
    }

    // ---------------------------------------------------------------- back-off and snapshots

    // §5.3 with the thesis' fast back-off: a follower's conflicting term is skipped in one round trip; if the leader
    // holds entries of that term, it resumes just after its last one.
    @Test
    void aRejectionSkipsTheFollowersConflictingTermInOneRoundTrip() {
        // leader:   1 1 1 2 2 4 4 4
        FakeLeader l = new FakeLeader(logOfTerms(1, 1, 1, 2, 2, 4, 4, 4), Configuration.ofVoters("a", "b", "c"));
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        rep.flush();
        assertEquals(8, l.appendsTo("b").get(0).prevLogIndex());
        assertEquals(8, l.appendsTo("c").get(0).prevLogIndex());

        // b:        1 1 1 2 2 3 3 3 3 — term 3 from index 6, which the leader never had: skip it all.
        assertFalse(rep.handleAppendResponse(reject("b", 8, 3, 6)));
        // c:        1 1 1 2 2 2 2 — shorter: first try just after its end, then skip to after the leader's last term 2.
        rep.handleAppendResponse(reject("c", 8, 0, 8));
        rep.flush();
        AppendRequest toB = l.appendsTo("b").get(0);
        assertEquals(5, toB.prevLogIndex());
        assertEquals(2, toB.prevLogTerm());
        AppendRequest toC = l.appendsTo("c").get(0);
        assertEquals(7, toC.prevLogIndex());
        rep.handleAppendResponse(reject("c", 7, 2, 4));
        rep.flush();
        toC = l.appendsTo("c").get(0);
        assertEquals(5, toC.prevLogIndex(), "after the leader's last entry of term 2, not back at the follower's first");
        assertEquals(2, toC.prevLogTerm());
    }

    // §7: when the entries a follower needs are compacted, the leader sends the snapshot instead (next <= snapshot
    // index), sends nothing else meanwhile, and probes just after the snapshot once it is delivered.
    @Test
    void aSnapshotIsRequestedOnceNextIsAtOrBelowTheSnapshotIndex() {
        FakeLeader l = new FakeLeader(logOfTerms(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), Configuration.ofVoters("a", "b"));
        l.log.compactTo(6);
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        rep.flush();
        assertEquals(10, l.appendsTo("b").get(0).prevLogIndex());
        rep.handleAppendResponse(reject("b", 10, 0, 7));
        rep.flush();
        AppendRequest a = l.appendsTo("b").get(0);
        assertEquals(6, a.prevLogIndex(), "next = 7 is still in the log: an AppendEntries after the snapshot's last");
        assertEquals(2, a.prevLogTerm());
        assertTrue(l.snapshots.isEmpty());

        rep.handleAppendResponse(reject("b", 6, 0, 6));
        rep.flush();
        assertEquals(List.of("b"), l.snapshots, "next = 6 = snapshot index: compacted");
        assertTrue(l.appendsTo("b").isEmpty());
        assertEquals(Progress.State.SNAPSHOT, rep.progress().get("b").state);
        rep.handleAppendResponse(reject("b", 10, 0, 1)); // a late answer from before the transfer
        flushRepeatedly(rep, 3);
        assertTrue(l.appendsTo("b").isEmpty(), "nothing else while the snapshot is streamed");
        assertEquals(1, l.snapshots.size());

        rep.snapshotDone("b", 6, true);
        rep.flush();
        a = l.appendsTo("b").get(0);
        assertEquals(6, a.prevLogIndex());
        assertEquals(1, a.entries().size());
    }

    // A failed transfer is retried, but only after a heartbeat interval: the follower first has to answer a heartbeat
    // at least heartbeatTicks after the failure.
    @Test
    void aFailedSnapshotTransferIsRetriedAfterAHeartbeatInterval() {
        FakeLeader l = new FakeLeader(logOfTerms(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), Configuration.ofVoters("a", "b"));
        l.log.compactTo(6);
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        rep.flush();
        assertEquals(1, l.appendsTo("b").size());
        rep.handleAppendResponse(reject("b", 10, 0, 1));
        rep.flush();
        assertEquals(List.of("b"), l.snapshots);
        l.ticks = 100;
        rep.snapshotDone("b", 6, false);
        flushRepeatedly(rep, 3);
        assertEquals(1, l.snapshots.size());
        assertTrue(l.appendsTo("b").isEmpty());
        l.ticks = 101;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        rep.flush();
        assertEquals(1, l.snapshots.size(), "one tick after the failure: still waiting");
        l.ticks = 102;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        rep.flush();
        assertEquals(List.of("b", "b"), l.snapshots);
    }

    // A voter's transfer that has not completed in ten election timeouts is presumed lost; a non-voter's is not
    // (paced transfers may take that long; the runtime reports a stall).
    @Test
    void aVotersSnapshotTransferIsPresumedLostAfterTenElectionTimeoutsButANonVotersIsNot() {
        FakeLeader l = new FakeLeader(logOfTerms(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), withNonVoter("l", "a", "b"));
        l.log.compactTo(6);
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        rep.flush();
        l.ticks = 7;
        rep.handleAppendResponse(reject("b", 10, 0, 1));
        rep.handleAppendResponse(reject("l", 10, 0, 1));
        rep.flush();
        assertEquals(List.of("b", "l"), l.snapshots);
        l.ticks = 7 + 10 * 10 - 1;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        assertEquals(Progress.State.SNAPSHOT, rep.progress().get("b").state);
        l.ticks = 7 + 10 * 10;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        rep.handleHeartbeatResponse(heartbeatAnswer("l"));
        assertEquals(Progress.State.PROBE, rep.progress().get("b").state);
        assertEquals(Progress.State.SNAPSHOT, rep.progress().get("l").state);
        l.ticks = 10_000;
        rep.handleHeartbeatResponse(heartbeatAnswer("l"));
        assertEquals(Progress.State.SNAPSHOT, rep.progress().get("l").state);
    }

    // ---------------------------------------------------------------- loss

    // The follower answers heartbeats but not the AppendEntries in flight for two heartbeat intervals: they look
    // lost, and are sent again from the match — once per silent period, not on every heartbeat.
    @Test
    void lostInFlightAppendsAreSentAgainFromTheMatchAfterTwoHeartbeatsOfSilence() {
        FakeLeader l = new FakeLeader(logOfTerms(TERM), Configuration.ofVoters("a", "b"));
        l.ticks = 10;
        Replicator rep = caughtUp(l, CFG); // b last answered at tick 10
        appendEntries(l, 2, 0);
        flushRepeatedly(rep, 3);
        assertEquals(2, l.appendsTo("b").size());
        l.ticks = 13;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        flushRepeatedly(rep, 3);
        assertTrue(l.appendsTo("b").isEmpty(), "one heartbeat interval and a half of silence: not yet");
        l.ticks = 14;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        rep.flush();
        List<AppendRequest> again = l.appendsTo("b");
        assertEquals(1, again.size());
        assertEquals(1, again.get(0).prevLogIndex(), "from the match");
        assertEquals(Progress.State.REPLICATE, rep.progress().get("b").state, "still pipelined");
        flushRepeatedly(rep, 3);
        assertEquals(1, l.appendsTo("b").size(), "and the rest of the window");
        l.ticks = 15;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        flushRepeatedly(rep, 3);
        assertTrue(l.appendsTo("b").isEmpty(), "one retransmission per silent period");
    }

    // PROBE: the outstanding probe is presumed lost once the follower answers a heartbeat a heartbeat interval later.
    @Test
    void aLostProbeIsSentAgainAfterAHeartbeatInterval() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 1, 1), Configuration.ofVoters("a", "b"));
        l.ticks = 20;
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        rep.flush();
        assertEquals(1, l.appendsTo("b").size());
        l.ticks = 21;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        rep.flush();
        assertTrue(l.appendsTo("b").isEmpty());
        l.ticks = 22;
        rep.handleHeartbeatResponse(heartbeatAnswer("b"));
        rep.flush();
        assertEquals(3, l.appendsTo("b").get(0).prevLogIndex());
    }

    // ---------------------------------------------------------------- heartbeats and rounds

    // A follower with nothing to append still learns of a higher commit index, by heartbeat; once told, it is not told
    // again, and an AppendEntries carries the commit index itself.
    @Test
    void aHigherCommitIndexReachesFollowersWithNothingToAppendByHeartbeat() {
        FakeLeader l = new FakeLeader(logOfTerms(TERM, TERM), Configuration.ofVoters("a", "b", "c"));
        Replicator rep = caughtUp(l, CFG);
        l.commitIndex = 2;
        rep.markDirty();
        rep.flush();
        assertEquals(List.of(new Heartbeat("a", "b", TERM, 2, 2, 0)), l.heartbeatsTo("b"));
        assertEquals(1, l.heartbeatsTo("c").size());
        flushRepeatedly(rep, 3);
        assertTrue(l.sent.isEmpty());
        appendEntries(l, 1, 0);
        l.commitIndex = 2;
        rep.handleAppendResponse(ack("c", 2));
        flushRepeatedly(rep, 1);
        assertEquals(2, l.appendsTo("b").get(0).leaderCommit());
        assertTrue(l.heartbeatsTo("b").isEmpty());
    }

    // ReadIndex (thesis §6.4) counts on rounds rising for the node's whole life, across terms: an echo of an older
    // round must never be taken for a newer one. Every heartbeat of a round carries it, with the peer's match.
    @Test
    void roundsRiseMonotonicallyAcrossTermsAndEveryHeartbeatCarriesTheNewest() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 1, 1), withNonVoter("l", "a", "b", "c"));
        l.commitIndex = 3;
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        long previous = 0;
        for (int term = 0; term < 5; term++) {
            rep.handleAppendResponse(ack("b", 2));
            for (int i = 0; i < 4; i++) {
                long round = rep.startRound();
                assertTrue(round > previous, "round " + round + " after " + previous);
                previous = round;
                rep.sendRound();
                assertEquals(List.of(new Heartbeat("a", "b", l.term, 3, 2, round)), l.heartbeatsTo("b"));
                assertEquals(List.of(new Heartbeat("a", "c", l.term, 3, 0, round)), l.heartbeatsTo("c"));
                assertEquals(1, l.heartbeatsTo("l").size(), "non-voters hear the round too");
                assertTrue(l.heartbeatsTo("a").isEmpty(), "not to itself");
            }
            rep.reset(); // stops leading
            l.term++;
            rep.start(); // leads again
        }
    }

    // CheckQuorum (thesis §6.2): a quorum — of both halves when joint — counting the leader must have been heard from
    // since the last check, by any answer; each check starts the count afresh.
    @Test
    void checkQuorumCountsTheLeaderAndTheFollowersHeardFromSinceTheLastCheck() {
        System.out.println("ReplicatorTest checkQuorum seed " + SEED);
        for (int k = 0; k < 2000; k++) {
            long seed = SEED + k;
            SplittableRandom r = new SplittableRandom(seed);
            FakeLeader l = new FakeLeader(logOfTerms(1, 1), randomConfiguration(r));
            Replicator rep = new Replicator(l, CFG);
            rep.start();
            Set<String> heard = new LinkedHashSet<>();
            heard.add("a");
            for (String id : POOL) {
                int how = r.nextInt(4);
                if (how == 1) {
                    rep.handleAppendResponse(ack(id, r.nextLong(0, 3)));
                } else if (how == 2) {
                    rep.handleAppendResponse(reject(id, 2, 0, 1));
                } else if (how == 3) {
                    rep.handleHeartbeatResponse(heartbeatAnswer(id));
                }
                if (how != 0 && rep.progress().containsKey(id)) {
                    heard.add(id);
                }
            }
            String where = "seed " + seed + " " + l.configuration + " heard " + heard;
            assertEquals(naiveIsQuorum(l.configuration, heard), rep.quorumActive(), where);
            assertEquals(naiveIsQuorum(l.configuration, Set.of("a")), rep.quorumActive(), where + ", then nobody");
        }
    }

    private static boolean naiveIsQuorum(Configuration c, Set<String> heard) {
        for (Set<String> half : List.of(c.voters(), c.outgoingVoters())) {
            long n = half.stream().filter(heard::contains).count();
            if (!half.isEmpty() && 2 * n <= half.size()) {
                return false;
            }
        }
        return true;
    }

    // Transfer targets: the voter whose log matches furthest (ties to the smallest id), and the voter holding the
    // whole log (thesis §4.2.2); never a non-voter, never the leader itself, never one the leader does not replicate to.
    @Test
    void theMostUpToDateAndTheUpToDateVoterAgreeWithANaiveSearch() {
        System.out.println("ReplicatorTest voters seed " + SEED);
        for (int k = 0; k < 2000; k++) {
            long seed = SEED + k;
            SplittableRandom r = new SplittableRandom(seed);
            FakeLeader l = new FakeLeader(logOfTerms(1, 1, 1, 1), randomConfiguration(r));
            Replicator rep = new Replicator(l, CFG);
            rep.start();
            Map<String, Long> match = new HashMap<>();
            for (String peer : rep.progress().keySet()) {
                long m = r.nextLong(0, 5);
                rep.handleAppendResponse(ack(peer, m));
                match.put(peer, m);
            }
            Configuration asked = r.nextBoolean() ? l.configuration : randomConfiguration(r);
            String best = null;
            for (String peer : match.keySet()) {
                if (asked.isVoter(peer) && (best == null || match.get(peer) > match.get(best)
                        || match.get(peer).equals(match.get(best)) && peer.compareTo(best) < 0)) {
                    best = peer;
                }
            }
            String where = "seed " + seed + " " + l.configuration + " asked " + asked + " match " + match;
            assertEquals(best, rep.mostUpToDateVoter(asked), where);
            String upToDate = rep.upToDateVoter(asked);
            boolean anyHasAll = match.entrySet().stream().anyMatch(e -> asked.isVoter(e.getKey()) && e.getValue() == 4);
            if (anyHasAll) {
                assertNotNull(upToDate, where);
                assertTrue(asked.isVoter(upToDate) && match.get(upToDate) == 4, where + " -> " + upToDate);
            } else {
                assertNull(upToDate, where);
            }
        }
    }

    // ---------------------------------------------------------------- configuration changes

    // Thesis §4.1/§4.2.2: replicate to the configuration in force, and still to members of the committed one that an
    // uncommitted configuration removed; those do not vote in the configuration in force, so they are paced.
    @Test
    void membersRemovedByAnUncommittedConfigurationStillReceiveTheLog() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 1), Configuration.ofVoters("a", "b", "c"));
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        l.configuration = Configuration.ofVoters("a", "b");
        rep.configurationChanged();
        assertEquals(Set.of("b", "c"), rep.progress().keySet());
        assertTrue(rep.progress().get("c").learner);
        assertFalse(rep.progress().get("b").learner);
        rep.flush();
        assertEquals(1, l.appendsTo("c").size());
    }

    // A peer removed by a committed configuration is still sent the log until it holds the configuration in force,
    // so that it learns of its removal instead of campaigning; then the leader forgets it.
    @Test
    void aRemovedPeerIsSentTheLogUntilItHoldsTheConfigurationRemovingIt() {
        Replicator rep;
        FakeLeader l = new FakeLeader(logOfTerms(1, 1), Configuration.ofVoters("a", "b", "c"));
        rep = new Replicator(l, CFG);
        rep.start();
        rep.flush();
        Configuration without = Configuration.ofVoters("a", "b");
        long at = appendConfiguration(l, without);
        l.configuration = without;
        rep.configurationChanged();
        l.commitIndex = at;
        l.committed = without;
        rep.configurationChanged();
        assertTrue(rep.progress().containsKey("c"), "lingering");
        rep.handleAppendResponse(ack("c", 2));
        rep.flush();
        assertEquals(at - 1, l.appendsTo("c").get(0).prevLogIndex(), "sent the entry that removes it");
        rep.handleAppendResponse(ack("c", at));
        rep.flush();
        assertFalse(rep.progress().containsKey("c"));
        assertEquals(-1, rep.match("c"));
        l.ticks = 1_000;
        appendEntries(l, 3, 0);
        flushRepeatedly(rep, 3);
        assertTrue(l.appendsTo("c").isEmpty());
        rep.startRound();
        rep.sendRound();
        assertTrue(l.heartbeatsTo("c").isEmpty());
    }

    // A removed peer that never answers is dropped an election timeout after its removal committed.
    @Test
    void aSilentRemovedPeerIsDroppedAnElectionTimeoutAfterItsRemovalCommitted() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 1), Configuration.ofVoters("a", "b", "c"));
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        Configuration without = Configuration.ofVoters("a", "b");
        l.commitIndex = appendConfiguration(l, without);
        l.configuration = without;
        l.committed = without;
        l.ticks = 50;
        rep.configurationChanged();
        l.ticks = 59;
        rep.flush();
        assertTrue(rep.progress().containsKey("c"));
        l.ticks = 60;
        rep.flush();
        assertFalse(rep.progress().containsKey("c"));
    }

    // A lingering peer that is added back is a member again: it is no longer dropped.
    @Test
    void aRemovedPeerAddedBackBeforeItWasDroppedStays() {
        FakeLeader l = new FakeLeader(logOfTerms(1, 1), Configuration.ofVoters("a", "b", "c"));
        Replicator rep = new Replicator(l, CFG);
        rep.start();
        Configuration without = Configuration.ofVoters("a", "b");
        l.commitIndex = appendConfiguration(l, without);
        l.configuration = without;
        l.committed = without;
        rep.configurationChanged();
        Configuration back = Configuration.ofVoters("a", "b", "c");
        appendConfiguration(l, back);
        l.configuration = back;
        rep.configurationChanged();
        l.ticks = 1_000;
        rep.handleAppendResponse(ack("c", l.log.lastIndex()));
        rep.flush();
        assertTrue(rep.progress().containsKey("c"));
        assertFalse(rep.progress().get("c").learner);
    }
}
