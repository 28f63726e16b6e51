package io.tally.raft.core;

import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ReadIndex and lease reads in the pure core (Raft thesis §6.4, §6.4.1). */
class RaftCoreReadIndexTest {

    private static RaftCore leaderOf(CoreDriver d) {
        RaftCore l = d.electLeader(500);
        d.tickUntil(() -> l.log().term(l.commitIndex()) == l.term(), 100); // its no-op committed
        return l;
    }

    private static List<String> followers(CoreDriver d, RaftCore leader) {
        return d.cores.keySet().stream().filter(x -> !x.equals(leader.id())).toList();
    }

    @Test
    void aReadIsAnsweredAtTheCommitIndexOnlyAfterAMajorityEchoesANewRound() {
        CoreDriver d = CoreDriver.bootstrapped(1, "a", "b", "c");
        RaftCore l = leaderOf(d);
        long commit = l.commitIndex();
        l.readIndex(7);
        d.collect(l.id());
        assertTrue(d.reads.get(l.id()).isEmpty(), "not before a heartbeat round is acknowledged");
        List<RaftMessage> round = d.intercept(m -> m instanceof Heartbeat);
        assertEquals(2, round.size(), "a fresh round goes to both followers at once");
        long context = ((Heartbeat) round.get(0)).context();
        // An echo of an older round proves nothing about the time of the read.
        d.deliver(new HeartbeatResponse(followers(d, l).get(0), l.id(), l.term(), context - 1));
        assertTrue(d.reads.get(l.id()).isEmpty());
        d.deliver(round.get(0));
        d.deliverAll();
        assertEquals(List.of(new ReadState(7, commit)), d.reads.get(l.id()));
    }

    @Test
    void aNewLeaderAnswersNoReadBeforeAnEntryOfItsOwnTermCommits() {
        CoreDriver d = CoreDriver.bootstrapped(2, "a", "b", "c");
        // Hold the new leader's no-op back: followers never receive AppendEntries of the new term.
        d.dropIf = m -> m instanceof io.tally.raft.message.AppendRequest;
        RaftCore l = d.electLeader(500);
        assertFalse(l.log().term(l.commitIndex()) == l.term());
        l.readIndex(1);
        d.collect(l.id());
        d.tick(20);
        assertTrue(d.reads.get(l.id()).isEmpty(), "stale commit index: must wait for its no-op");
        d.dropIf = m -> false;
        d.tickUntil(() -> !d.reads.get(l.id()).isEmpty(), 100);
        ReadState r = d.reads.get(l.id()).get(0);
        assertTrue(r.ok());
        assertEquals(l.term(), l.log().term(r.index()), "the read index covers the new term's entry");
    }

    @Test
    void followersRefuseAndALeaderThatStepsDownFailsItsPendingReads() {
        CoreDriver d = CoreDriver.bootstrapped(3, "a", "b", "c");
        RaftCore l = leaderOf(d);
        String f = followers(d, l).get(0);
        d.core(f).readIndex(5);
        d.collect(f);
        assertEquals(List.of(new ReadState(5, -1)), d.reads.get(f));
        // The leader loses contact with everybody: its read cannot be confirmed, and fails when it steps down.
        d.isolate(l.id());
        l.readIndex(6);
        d.collect(l.id());
        d.tickUntil(() -> l.role() != Role.LEADER, 200);
        assertEquals(List.of(new ReadState(6, -1)), d.reads.get(l.id()));
    }

    @Test
    void aSingleVoterAnswersAtOnce() {
        CoreDriver d = CoreDriver.bootstrapped(4, "solo");
        RaftCore l = leaderOf(d);
        l.readIndex(9);
        d.collect(l.id());
        assertEquals(List.of(new ReadState(9, l.commitIndex())), d.reads.get(l.id()));
    }

    @Test
    void leaseReadsNeedNoRoundWhileTheLeaseHoldsAndFallBackWhenItLapses() {
        CoreDriver d = CoreDriver.bootstrapped(5, "a", "b", "c");
        RaftCore l = leaderOf(d);
        d.tick(3); // a heartbeat round acknowledged by both followers
        l.leaseRead(1);
        d.collect(l.id());
        assertEquals(List.of(new ReadState(1, l.commitIndex())), d.reads.get(l.id()), "served from the lease");
        assertTrue(d.intercept(m -> m instanceof Heartbeat).isEmpty(), "without a heartbeat round");
        // Followers go silent: after electionTicks - drift ticks the lease has lapsed (10 - 2 here).
        for (String f : followers(d, l)) {
            d.isolate(f);
        }
        d.tick(l.leadership().reads.leaseValid() ? 8 : 0);
        assertFalse(l.leadership().reads.leaseValid());
        l.leaseRead(2);
        d.collect(l.id());
        assertEquals(1, d.reads.get(l.id()).size(), "no lease: it waits for a ReadIndex round instead");
        for (String f : followers(d, l)) {
            d.heal(f);
        }
        d.tickUntil(() -> d.reads.get(l.id()).size() == 2, 50);
        assertTrue(d.reads.get(l.id()).get(1).ok());
    }

    @Test
    void withoutCheckQuorumThereIsNoLease() {
        CoreDriver d = CoreDriver.bootstrapped(CoreDriver.CFG.withCheckQuorum(false), 6, "a", "b", "c");
        RaftCore l = leaderOf(d);
        d.tick(3);
        assertFalse(l.leadership().reads.leaseValid());
    }

    // §6.4.1 with a paused leader: a pause (GC, SIGSTOP) costs it at most one tick, but its clock moves on by the
    // whole pause. Counted in ticks, the lease would still hold here and serve a read a new leader may contradict.
    @Test
    void aLeaseDoesNotSurviveAPauseThatTheTicksDidNotSee() {
        CoreDriver d = CoreDriver.bootstrapped(7, "a", "b", "c");
        RaftCore l = leaderOf(d);
        d.tick(3); // a round acknowledged by both followers: the lease holds
        assertTrue(l.leadership().reads.leaseValid());
        d.freeze(l.id());
        for (String f : followers(d, l)) {
            d.isolate(f);
        }
        d.advance(CoreDriver.TICK_NANOS * CoreDriver.CFG.electionTicks()); // frozen for an election timeout: no tick ran
        assertFalse(l.leadership().reads.leaseValid(), "the lease is measured on the clock, not in ticks");
        l.leaseRead(3);
        d.collect(l.id());
        assertTrue(d.reads.get(l.id()).isEmpty(), "not served from the lease: it needs a ReadIndex round now");
    }

    // §6.4.1: the lease counts from when the acknowledged round was sent, minus the drift margin.
    @Test
    void theLeaseEndsTheDriftMarginBeforeAnElectionTimeoutAfterTheRoundWasSent() {
        CoreDriver d = CoreDriver.bootstrapped(8, "a", "b", "c");
        RaftCore l = leaderOf(d);
        d.tick(3);
        for (String f : followers(d, l)) {
            d.isolate(f);
        }
        // The last acknowledged round went out at most heartbeatTicks ago; let the rest of the horizon pass.
        long horizon = CoreDriver.TICK_NANOS * (CoreDriver.CFG.electionTicks() - CoreDriver.CFG.leaseDriftTicks());
        d.advance(horizon - CoreDriver.TICK_NANOS * CoreDriver.CFG.heartbeatTicks() - 1);
        assertTrue(l.leadership().reads.leaseValid(), "just inside the horizon");
        d.advance(CoreDriver.TICK_NANOS * CoreDriver.CFG.heartbeatTicks() + 1);
        assertFalse(l.leadership().reads.leaseValid(), "past (electionTicks - leaseDriftTicks) since the round was sent");
    }
}
