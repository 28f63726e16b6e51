package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.Member;
import io.tally.raft.model.HardState;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.VoteRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftCoreReplicationTest {

    // ------------------------------------------------------------ helpers

    /** Terms for indexes 2.. as (term, count) pairs. */
    private static long[] runs(long... termCountPairs) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < termCountPairs.length; i += 2) {
            for (long k = 0; k < termCountPairs[i + 1]; k++) {
                out.add(termCountPairs[i]);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * A node recovered from storage: entry 1 is the configuration (term 1), entries 2.. have the given terms;
     * all durable.
     */
    private static RaftCore recovered(String id, CoreConfig cfg, long seed, long hardTerm, Configuration conf,
                                      long... termsFrom2) {
        List<Entry> es = new ArrayList<>();
        es.add(new Entry(1, 1, EntryType.CONFIGURATION, ConfigurationCodec.encode(conf)));
        for (int i = 0; i < termsFrom2.length; i++) {
            es.add(new Entry(i + 2, termsFrom2[i], EntryType.COMMAND, ("e" + (i + 2)).getBytes()));
        }
        return new RaftCore(id, cfg, CoreDriver.afterStartLease(), new SplittableRandom(seed), new HardState(hardTerm, null),
                new RaftLog(0, 0, Configuration.EMPTY, es));
    }

    private static List<String> others(CoreDriver d, String id) {
        return d.cores.keySet().stream().filter(x -> !x.equals(id)).toList();
    }

    /** Ticks only {@code id} (all others frozen) until it leads; then unfreezes everybody. */
    private static RaftCore makeLeader(CoreDriver d, String id) {
        for (String o : others(d, id)) {
            d.freeze(o);
        }
        d.tickUntil(() -> d.core(id).role() == Role.LEADER, 200);
        for (String o : others(d, id)) {
            d.unfreeze(o);
        }
        return d.core(id);
    }

    private static long rejectionsFrom(CoreDriver d, String follower) {
        return d.delivered.stream()
                .filter(m -> m instanceof AppendResponse r && r.from().equals(follower) && !r.success())
                .count();
    }

    private static boolean carriesIndex(RaftMessage m, long index) {
        return m instanceof AppendRequest a && a.prevLogIndex() < index && a.lastIndex() >= index;
    }

    // ------------------------------------------------------------ tests

    // §5.3: the leader replicates proposals, commits once a majority stores them, and every node applies them in order.
    @Test
    void proposalsReplicateCommitAndApplyInOrderEverywhere() {
        CoreDriver d = CoreDriver.bootstrapped(31, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        assertEquals(null, d.core(others(d, leader.id()).get(0)).propose(EntryType.COMMAND, new byte[] {1}),
                "followers do not accept proposals");
        List<Entry> proposed = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            proposed.add(d.propose(leader.id(), "cmd" + i));
            if (i % 3 == 0) {
                d.deliverAll();
            }
        }
        d.deliverAll();
        assertEquals(proposed.get(19).index(), leader.commitIndex());
        d.tick(4); // heartbeats carry the commit index to followers
        for (RaftCore c : d.cores.values()) {
            assertEquals(leader.lastIndex(), c.commitIndex(), c.id());
            assertEquals(CoreDriver.logOf(leader), CoreDriver.logOf(c));
            List<Entry> applied = d.applied.get(c.id());
            assertEquals(leader.lastIndex(), applied.size(), c.id());
            for (int i = 0; i < applied.size(); i++) {
                assertEquals(i + 1, applied.get(i).index(), "applied in order on " + c.id());
            }
            assertTrue(applied.containsAll(proposed), c.id());
        }
    }

    /**
     * Figure 8 (c): S1, leader of term 4, has replicated its term-2 entry at index 2 to S1..S3(S4) — a
     * majority — but not yet its own term-4 entry at index 3. maxAppendEntries=1 makes every AppendRequest
     * carry one entry, so followers can acknowledge index 2 alone. CheckQuorum is off so that S5 can win
     * later without waiting out leases.
     */
    private static CoreDriver figure8c() {
        CoreConfig cfg = CoreDriver.CFG.withCheckQuorum(false).withMaxAppendEntries(1);
        Configuration conf = Configuration.ofVoters("s1", "s2", "s3", "s4", "s5");
        CoreDriver d = new CoreDriver();
        d.add(recovered("s1", cfg, 1, 3, conf, 2)); // term-2 entry at index 2
        d.add(recovered("s2", cfg, 2, 3, conf, 2)); // ... replicated to S2 by the term-2 leader
        d.add(recovered("s3", cfg, 3, 3, conf));
        d.add(recovered("s4", cfg, 4, 3, conf));
        d.add(recovered("s5", cfg, 5, 3, conf, 3)); // S5 led term 3 and wrote index 2 there
        // Apart from its vote requests, S1's messages never reach S2 and S5; and once S3/S4 hold index 2, the
        // append carrying index 3 never reaches them.
        d.dropIf = m -> m.from().equals("s1") && !(m instanceof VoteRequest)
                && (m.to().equals("s2") || m.to().equals("s5")
                    || carriesIndex(m, 3) && d.core(m.to()).lastIndex() >= 2);
        RaftCore s1 = makeLeader(d, "s1");
        assertEquals(4, s1.term());
        for (String f : others(d, "s1")) {
            d.freeze(f);
        }
        d.tickUntil(() -> s1.leadership().replicator.progress().get("s3").match == 2
                && s1.leadership().replicator.progress().get("s4").match == 2, 50);
        d.tick(20);
        return d;
    }

    // §5.4.2 (Figure 8): a leader never commits an entry from an earlier term by counting replicas.
    @Test
    void leaderDoesNotCommitEarlierTermEntryReplicatedOnMajority() {
        CoreDriver d = figure8c();
        RaftCore s1 = d.core("s1");
        assertEquals(Role.LEADER, s1.role());
        assertEquals(3, s1.log().stableIndex(), "its own term-4 no-op is durable");
        for (String id : List.of("s1", "s2", "s3", "s4")) {
            assertEquals(2, d.core(id).log().term(2), id + " holds the term-2 entry");
        }
        assertEquals(2, Quorum.committedIndex(s1.configuration(), id -> id.equals("s1") ? s1.log().stableIndex()
                : s1.leadership().replicator.progress().get(id).match), "index 2 is on a majority as far as S1 knows");
        assertEquals(0, s1.commitIndex(), "but it is from term 2, so counting replicas must not commit it");
        assertTrue(d.applied.get("s1").isEmpty());
    }

    // §5.4.2 (Figure 8 d): committing that entry would have been unsafe — S5 can still be elected and overwrite it.
    @Test
    void earlierTermEntryOnMajorityCanStillBeOverwrittenSoNotCommittingItWasRight() {
        CoreDriver d = figure8c();
        RaftCore s1 = d.core("s1");
        assertEquals(0, s1.commitIndex());
        d.isolate("s1"); // S1 crashes
        d.freeze("s1");
        d.dropIf = m -> false;
        d.unfreeze("s5");
        RaftCore s5 = d.core("s5");
        d.tickUntil(() -> s5.role() == Role.LEADER, 300);
        assertEquals(5, s5.term());
        for (String id : List.of("s2", "s3", "s4")) {
            d.unfreeze(id);
        }
        d.tickUntil(() -> s5.commitIndex() == s5.lastIndex(), 100);
        d.tick(4);
        for (String id : List.of("s2", "s3", "s4", "s5")) {
            assertEquals(3, d.core(id).log().term(2), id + ": the term-2 entry was replaced by S5's term-3 entry");
            assertTrue(d.core(id).commitIndex() >= 2, id);
        }
    }

    // §5.4.2: once an entry of the current term is on a majority, it and all earlier entries commit.
    @Test
    void earlierTermEntryCommitsIndirectlyOnceCurrentTermEntryReachesMajority() {
        CoreDriver d = figure8c();
        RaftCore s1 = d.core("s1");
        d.dropIf = m -> m.from().equals("s1") && (m.to().equals("s2") || m.to().equals("s5"));
        d.tickUntil(() -> s1.commitIndex() == 3, 50); // heartbeats reveal the lost append; it is resent
        assertEquals(List.of(1L, 2L, 3L), d.applied.get("s1").stream().map(Entry::index).toList());
        assertEquals(4, s1.log().term(3));
    }

    /** A three-node cluster where b holds a long log diverging from the leader's after index {@code common}. */
    private static long repairDivergentFollower(long[] leaderTerms, long[] followerTerms) {
        Configuration conf = Configuration.ofVoters("a", "b", "c");
        long leaderTerm = leaderTerms[leaderTerms.length - 1];
        long followerTerm = followerTerms[followerTerms.length - 1];
        CoreDriver d = new CoreDriver();
        d.add(recovered("a", CoreDriver.CFG, 1, leaderTerm, conf, leaderTerms));
        d.add(recovered("b", CoreDriver.CFG, 2, followerTerm, conf, followerTerms));
        d.add(recovered("c", CoreDriver.CFG, 3, leaderTerm, conf, leaderTerms));
        RaftCore a = makeLeader(d, "a");
        d.tickUntil(() -> CoreDriver.logOf(a).equals(CoreDriver.logOf(d.core("b")))
                && d.core("b").commitIndex() == a.lastIndex(), 100);
        return rejectionsFrom(d, "b");
    }

    // §5.3 (optimisation at the end of the section; thesis §3.5): with conflict-term hints the leader skips a whole
    // term per rejection, so repair takes rejections bounded by the conflicting terms, not the divergent entries.
    @Test
    void fastBackOffRepairsLongDivergentFollowerInOneRejectionPerConflictingTerm() {
        // common prefix 1..3; leader: 47 entries of term 5; follower: 42 entries of terms 2, 3, 4 (and shorter)
        long rejections = repairDivergentFollower(
                runs(1, 2, 5, 47),
                runs(1, 2, 2, 7, 3, 10, 4, 25));
        assertTrue(rejections <= 4, "3 conflicting terms + 1 for the shorter log, got " + rejections);
        assertTrue(rejections >= 1);
    }

    // §5.3 / thesis §3.5: when the leader also has the follower's conflicting term it resumes after its own last
    // entry of that term.
    @Test
    void fastBackOffUsesLeadersLastEntryOfTheConflictingTerm() {
        // leader: term 2 at 4..6 then term 5; follower: term 2 at 4..23 then term 3 at 24..45
        long rejections = repairDivergentFollower(
                runs(1, 2, 2, 3, 5, 44),
                runs(1, 2, 2, 20, 3, 22));
        assertTrue(rejections <= 3, "got " + rejections);
    }

    // Figure 2 / thesis §10.2.1: a follower acknowledges entries only once they are durable on its disk.
    @Test
    void followerSuccessResponseForUnpersistedEntriesIsSentAfterPersist() {
        CoreDriver d = CoreDriver.bootstrapped(41, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(4);
        String fid = others(d, leader.id()).get(0);
        RaftCore f = d.core(fid);
        Entry e = d.propose(leader.id(), "x");
        List<RaftMessage> toF = d.intercept(m -> m.to().equals(fid) && m instanceof AppendRequest);
        assertEquals(1, toF.size());
        AppendRequest ae = (AppendRequest) toF.get(0);
        assertTrue(ae.entries().contains(e));

        f.step(ae);
        Output o = CoreDriver.drain(f);
        assertEquals(List.of(e), o.entries());
        assertTrue(o.messages().stream().noneMatch(m -> m instanceof AppendResponse),
                "must not acknowledge before the entry is durable: " + o.messages());
        List<RaftMessage> after = o.messagesAfterPersist();
        assertEquals(1, after.size());
        AppendResponse r = (AppendResponse) after.get(0);
        assertTrue(r.success());
        assertEquals(e.index(), r.matchIndex());
        f.persisted(e.index(), e.term());

        // the same request again (a retransmission): everything is durable now, so the answer may go at once
        f.step(ae);
        Output again = CoreDriver.drain(f);
        assertTrue(again.entries().isEmpty());
        assertEquals(1, again.messages().size());
        assertTrue(((AppendResponse) again.messages().get(0)).success());
        assertTrue(again.messagesAfterPersist().isEmpty());

        // a heartbeat answer depends on nothing durable
        f.step(new Heartbeat(leader.id(), fid, leader.term(), 0, 0));
        Output hb = CoreDriver.drain(f);
        assertTrue(hb.messages().get(0) instanceof HeartbeatResponse);
    }

    // Thesis §10.2.1: the leader sends entries while its own write is in progress, but counts itself toward the
    // commit quorum only once the write is durable.
    @Test
    void leaderSendsBeforeItsOwnPersistButCountsItselfOnlyAfterPersisted() {
        CoreDriver d = CoreDriver.bootstrapped(43, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(4);
        List<String> fs = others(d, leader.id());
        long committedBefore = leader.commitIndex();
        d.holdPersist(leader.id());
        Entry e = d.propose(leader.id(), "x");
        List<RaftMessage> inFlight = d.inFlight();
        for (String f : fs) {
            assertTrue(inFlight.stream().anyMatch(m -> m.to().equals(f) && carriesIndex(m, e.index())),
                    "sent to " + f + " before the leader's own write completed");
        }
        assertTrue(leader.log().stableIndex() < e.index(), "the leader's own write is still pending");

        d.intercept(m -> m.to().equals(fs.get(1)) && m instanceof AppendRequest); // lost on the way to the 2nd follower
        d.deliverAll();
        assertEquals(e.index(), leader.leadership().replicator.progress().get(fs.get(0)).match);
        assertEquals(committedBefore, leader.commitIndex(),
                "leader (not durable) + one follower is not yet a durable majority");

        d.releasePersist(leader.id());
        assertEquals(e.index(), leader.commitIndex());
        assertEquals(e, d.applied.get(leader.id()).get(d.applied.get(leader.id()).size() - 1));
    }

    // Thesis §10.2.1: an entry durable on a majority of followers is committed even before the leader's own write;
    // the leader still applies only what is durable locally.
    @Test
    void leaderCommitsWithDurableFollowerMajorityButAppliesOnlyAfterItsOwnWrite() {
        CoreDriver d = CoreDriver.bootstrapped(44, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(4);
        d.holdPersist(leader.id());
        int appliedBefore = d.applied.get(leader.id()).size();
        Entry e = d.propose(leader.id(), "x");
        d.deliverAll();
        assertEquals(e.index(), leader.commitIndex());
        assertEquals(appliedBefore, d.applied.get(leader.id()).size(), "not applied before it is durable locally");
        d.releasePersist(leader.id());
        assertEquals(e, d.applied.get(leader.id()).get(d.applied.get(leader.id()).size() - 1));
    }

    // §5.3: the leader retries AppendEntries indefinitely; a lost request while streaming (REPLICATE) is detected
    // through heartbeat responses and resent, and the entry commits.
    @Test
    void lostAppendRequestInReplicateStateIsRecoveredThroughHeartbeats() {
        CoreDriver d = CoreDriver.bootstrapped(47, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(6);
        List<String> fs = others(d, leader.id());
        String b = fs.get(0);
        String c = fs.get(1);
        assertEquals(Progress.State.REPLICATE, leader.leadership().replicator.progress().get(b).state);
        d.isolate(c); // so that committing needs b

        AtomicBoolean droppedOne = new AtomicBoolean();
        d.dropIf = m -> m.to().equals(b) && m instanceof AppendRequest && !droppedOne.getAndSet(true);
        Entry e = d.propose(leader.id(), "lost once");
        d.deliverAll();
        assertTrue(droppedOne.get());
        assertTrue(d.core(b).lastIndex() < e.index());
        assertTrue(leader.commitIndex() < e.index());

        d.tickUntil(() -> leader.commitIndex() >= e.index() && d.core(b).commitIndex() >= e.index(), 40);
        assertEquals(CoreDriver.logOf(leader), CoreDriver.logOf(d.core(b)));

        d.heal(c); // c lost every append meanwhile; it is repaired the same way
        d.tickUntil(() -> CoreDriver.logOf(d.core(c)).equals(CoreDriver.logOf(leader))
                && d.core(c).commitIndex() == leader.commitIndex(), 60);
    }

    // §5.3: a lost request in the middle of a stream is detected by the next request's consistency check.
    @Test
    void lostAppendRequestAmongManyIsRepairedAndEverythingCommits() {
        CoreDriver d = CoreDriver.bootstrapped(48, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(6);
        String b = others(d, leader.id()).get(0);
        AtomicBoolean droppedOne = new AtomicBoolean();
        d.dropIf = m -> m.to().equals(b) && m instanceof AppendRequest a && !a.entries().isEmpty()
                && !droppedOne.getAndSet(true);
        Entry last = null;
        for (int i = 0; i < 10; i++) {
            last = d.propose(leader.id(), "p" + i);
        }
        d.deliverAll();
        for (int i = 10; i < 15; i++) {
            last = d.propose(leader.id(), "p" + i);
            d.deliverAll();
        }
        assertTrue(droppedOne.get());
        final long lastIndex = last.index();
        d.tickUntil(() -> d.cores.values().stream().allMatch(x -> x.commitIndex() == lastIndex), 40);
        for (RaftCore x : d.cores.values()) {
            assertEquals(CoreDriver.logOf(leader), CoreDriver.logOf(x));
        }
    }

    // Figure 2 (All Servers): if a response contains term T > currentTerm, set currentTerm = T and convert to follower.
    @Test
    void staleLeaderStepsDownOnAppendResponseWithHigherTerm() {
        CoreDriver d = CoreDriver.bootstrapped(53, "a", "b", "c");
        RaftCore old = d.electLeader(500);
        long oldTerm = old.term();
        d.isolate(old.id());
        d.freeze(old.id()); // paused: it neither ticks nor notices it lost its quorum
        RaftCore fresh = d.electLeader(500);
        assertTrue(fresh.term() > oldTerm);
        assertEquals(Role.LEADER, old.role());

        d.heal(old.id());
        Entry stale = d.propose(old.id(), "stale");
        assertNotNull(stale);
        int before = d.delivered.size();
        d.deliverAll();
        assertTrue(d.delivered.subList(before, d.delivered.size()).stream().anyMatch(m ->
                m instanceof AppendResponse r && r.to().equals(old.id()) && !r.success() && r.term() == fresh.term()));
        assertEquals(Role.FOLLOWER, old.role());
        assertEquals(fresh.term(), old.term());

        d.unfreeze(old.id());
        d.tick(10);
        assertEquals(fresh.id(), old.leaderId());
        assertEquals(CoreDriver.logOf(fresh), CoreDriver.logOf(old), "the stale leader's entry was overwritten");
        assertFalse(d.applied.get(old.id()).contains(stale));
    }

    // Figure 2 (All Servers) via heartbeats: a paused leader that wakes up learns the new term from a heartbeat answer.
    @Test
    void staleLeaderStepsDownOnHeartbeatResponseWithHigherTerm() {
        CoreDriver d = CoreDriver.bootstrapped(54, "a", "b", "c");
        RaftCore old = d.electLeader(500);
        d.isolate(old.id());
        d.freeze(old.id());
        RaftCore fresh = d.electLeader(500);
        d.heal(old.id());
        d.unfreeze(old.id());
        for (String f : others(d, old.id())) {
            d.freeze(f); // only the stale leader ticks, so its heartbeats are the only traffic
        }
        d.tickUntil(() -> old.role() != Role.LEADER, 2 * CoreDriver.CFG.heartbeatTicks());
        assertEquals(fresh.term(), old.term());
        assertTrue(d.delivered.stream().anyMatch(m -> m instanceof HeartbeatResponse r && r.to().equals(old.id())
                && r.term() == fresh.term()));
        assertTrue(Set.of(Role.FOLLOWER).contains(old.role()));
    }

    // Figure 2 (persistent state): a lone voter wins pre-vote, vote and leadership in the batch that raises
    // its term; its AppendEntries to non-voters must still wait until that term and vote are durable.
    @Test
    void leaderOfASingleVoterSendsNothingBeforeItsNewTermIsDurable() {
        Configuration conf = Configuration.of(List.of(Member.voter("a"), Member.nonVoter("l", "")));
        RaftCore a = new RaftCore("a", CoreConfig.defaults().withTicks(10, 2), CoreDriver.afterStartLease(), new SplittableRandom(3),
                new HardState(1, null), new RaftLog(0, 0, conf, List.of()));
        Output won = null;
        for (int i = 0; i < 100 && won == null; i++) {
            a.tick();
            Output o = CoreDriver.drain(a);
            if (a.role() == Role.LEADER) {
                won = o;
            }
        }
        assertNotNull(won, "the single voter should elect itself");
        assertNotNull(won.hardState(), "the new term and self-vote are to be persisted in this batch");
        assertEquals(List.of(), won.messages(), "nothing may leave before the new term is durable");
        assertTrue(won.messagesAfterPersist().stream().anyMatch(m -> m instanceof AppendRequest),
                "the AppendEntries to the non-voter leaves after the persist");
    }

    // §5.3 + restart: a follower that restarted (and so has accepted nothing from the leader yet) learns
    // the commit index from a heartbeat up to the match the leader holds for it, so an idle cluster still
    // brings a restarted node up to date; without such a match it must not trust the commit.
    @Test
    void restartedFollowerCommitsFromHeartbeatUpToTheLeadersMatchForIt() {
        List<Entry> durable = List.of(
                new Entry(1, 1, EntryType.CONFIGURATION, ConfigurationCodec.encode(Configuration.ofVoters("l", "f", "g"))),
                new Entry(2, 2, EntryType.NOOP, null),
                new Entry(3, 2, EntryType.COMMAND, new byte[] {7}));
        RaftCore f = new RaftCore("f", CoreConfig.defaults().withTicks(10, 2), CoreDriver.afterStartLease(), new SplittableRandom(1),
                new HardState(2, "l"), new RaftLog(0, 0, Configuration.EMPTY, durable));
        f.step(new Heartbeat("l", "f", 2, 3, 0));
        assertEquals(0, f.commitIndex(), "no known match yet: the commit cannot be trusted");
        f.step(new Heartbeat("l", "f", 2, 3, 3));
        assertEquals(3, f.commitIndex());
        assertEquals(3, CoreDriver.drain(f).committed().size(), "and it applies them");
    }
}
