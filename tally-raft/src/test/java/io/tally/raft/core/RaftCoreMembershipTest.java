package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.Member;
import io.tally.raft.model.ConfigChange;

import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.TimeoutNow;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The membership rules of {@link ConfigChanger} and {@link LeadershipTransfer}, on the pure core. */
class RaftCoreMembershipTest {

    private static long configEntriesAfter(RaftCore c, long index) {
        long n = 0;
        for (long i = index + 1; i <= c.lastIndex(); i++) {
            if (c.log().entry(i).type() == EntryType.CONFIGURATION) {
                n++;
            }
        }
        return n;
    }

    private static AdminResult last(CoreDriver d) {
        return d.admin.get(d.admin.size() - 1);
    }

    /**
     * A new leader whose no-op is not committed yet appends no configuration entry (raft-dev, 2015): the request
     * waits, and starts once the no-op commits.
     */
    @Test
    void noConfigurationEntryBeforeAnEntryOfTheLeadersTermCommits() {
        CoreDriver d = CoreDriver.bootstrapped(7, "a", "b", "c");
        RaftCore first = d.electLeader(500);
        d.dropIf = m -> m instanceof AppendResponse; // nothing the next leader sends can commit
        d.isolate(first.id());
        RaftCore leader = d.electLeader(2_000);
        assertNotEquals(first.id(), leader.id());
        long noop = leader.lastIndex();
        assertTrue(leader.commitIndex() < noop, "the new leader's no-op is not committed");
        leader.changeConfiguration(1, new ConfigChange.AddMember(Member.nonVoter("d", "")), -1, CoreDriver.TICK_NANOS * 10_000);
        d.collect(leader.id());
        d.tick(20);
        assertEquals(0, configEntriesAfter(leader, noop), "a configuration entry was appended before an own-term commit");
        assertTrue(d.admin.isEmpty());
        d.dropIf = m -> false;
        d.tickUntil(() -> !d.admin.isEmpty(), 200);
        assertEquals(AdminResult.Status.OK, last(d).status(), last(d).toString());
        assertTrue(leader.configuration().contains("d"));
        assertTrue(leader.log().entry(leader.configurationIndex()).term() == leader.term());
    }

    /** While a change is in flight, another is refused; one conditional on a stale index is refused too. */
    @Test
    void oneChangeAtATimeAndConditionalChanges() {
        CoreDriver d = CoreDriver.bootstrapped(8, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        long base = leader.configurationIndex();
        // "e" has no node behind it, so it never answers: the first change stays in catch-up.
        leader.changeConfiguration(1, new ConfigChange.AddMember(Member.voter("e")), base, CoreDriver.TICK_NANOS * 300);
        leader.changeConfiguration(2, new ConfigChange.RemoveMember("b"), -1, CoreDriver.TICK_NANOS * 10_000);
        d.collect(leader.id());
        assertEquals(AdminResult.Status.CONFLICT, d.admin.get(0).status());
        assertEquals(2, d.admin.get(0).requestId());
        d.tickUntil(() -> d.admin.size() > 1, 2_000);
        // "e" never answers: the change fails with a reason, and e stays a non-voter.
        assertEquals(AdminResult.Status.FAILED, last(d).status(), last(d).toString());
        assertTrue(last(d).detail().contains("e (its log at 0)"), last(d).detail());
        assertTrue(leader.configuration().contains("e") && !leader.configuration().isVoter("e"));
        leader.changeConfiguration(3, new ConfigChange.RemoveMember("e"), base, CoreDriver.TICK_NANOS * 10_000);
        d.collect(leader.id());
        assertEquals(AdminResult.Status.CONFLICT, last(d).status(), "stale expected index");
    }

    /** A change of voters passes through the joint configuration, and leaves it on its own once it commits. */
    @Test
    void votersChangeThroughTheJointConfiguration() {
        CoreDriver d = CoreDriver.bootstrapped(9, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        String removed = leader.id().equals("c") ? "b" : "c";
        leader.changeConfiguration(1, new ConfigChange.RemoveMember(removed), -1, CoreDriver.TICK_NANOS * 10_000);
        d.tickUntil(() -> !d.admin.isEmpty(), 500);
        assertEquals(AdminResult.Status.OK, last(d).status());
        boolean sawJoint = false;
        for (long i = 2; i <= leader.lastIndex(); i++) {
            Entry e = leader.log().entry(i);
            if (e.type() == EntryType.CONFIGURATION && ConfigurationCodec.decode(e.data()).isJoint()) {
                sawJoint = true;
                assertTrue(ConfigurationCodec.decode(e.data()).outgoingVoters().contains(removed));
            }
        }
        assertTrue(sawJoint, "no joint configuration in the log");
        assertFalse(leader.configuration().isJoint());
        assertFalse(leader.configuration().contains(removed));
    }

    /** A removed leader steps down once the configuration without it commits, after a TimeoutNow to a successor. */
    @Test
    void aRemovedLeaderHandsOverAndStepsDown() {
        CoreDriver d = CoreDriver.bootstrapped(10, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        long term = leader.term();
        leader.changeConfiguration(1, new ConfigChange.RemoveMember(leader.id()), -1, CoreDriver.TICK_NANOS * 10_000);
        d.tickUntil(() -> !d.admin.isEmpty(), 500);
        assertEquals(AdminResult.Status.OK, last(d).status());
        d.tickUntil(() -> leader.role() != Role.LEADER, 100);
        assertEquals(Role.FOLLOWER, leader.role());
        assertTrue(d.sent.stream().anyMatch(m -> m instanceof TimeoutNow t && t.from().equals(leader.id())));
        d.isolate(leader.id()); // it follows no one now: leave it out of electLeader's "everyone follows" check
        RaftCore next = d.electLeader(500);
        assertNotEquals(leader.id(), next.id());
        assertTrue(next.term() > term);
        d.heal(leader.id());
        long termBefore = next.term();
        d.tick(500);
        assertEquals(Role.FOLLOWER, leader.role(), "the removed node never campaigns");
        assertEquals(termBefore, next.term(), "the removed node does not disturb the cluster");
    }

    /**
     * Thesis §4.2.2: a server left out of its latest configuration still campaigns while that configuration is
     * uncommitted. Here the leader of {a, b} removes itself: the joint configuration commits, the C<sub>new</sub> entry
     * ({b}) never reaches b, and the leader loses leadership. b, in the joint configuration, needs the old leader's
     * vote, which the old leader refuses (its log holds C<sub>new</sub>, so it is longer); only the old leader's own
     * campaign (counted in {b}, won with b's vote) gets C<sub>new</sub> committed. Without the rule the two wait for
     * each other forever (the simulator found it: MembershipCrash, seed 383).
     */
    @Test
    void aLeaderLeftOutOfAnUncommittedConfigurationStillCampaigns() {
        CoreDriver d = CoreDriver.bootstrapped(11, "a", "b");
        RaftCore leader = d.electLeader(500);
        String other = leader.id().equals("a") ? "b" : "a";
        d.dropIf = m -> m instanceof io.tally.raft.message.AppendRequest r && r.entries().stream().anyMatch(e ->
                e.type() == EntryType.CONFIGURATION && !ConfigurationCodec.decode(e.data()).isJoint());
        leader.changeConfiguration(1, new ConfigChange.RemoveMember(leader.id()), -1, CoreDriver.TICK_NANOS * 10_000);
        d.tickUntil(() -> !leader.configuration().isJoint() && !leader.configuration().contains(leader.id()), 500);
        assertEquals(java.util.Set.of(other), leader.configuration().voters(), "C_new appended on the leader");
        assertTrue(d.core(other).configuration().isJoint(), "the other node holds the joint configuration only");
        d.isolate(leader.id()); // CheckQuorum deposes it; the other cannot win the joint configuration alone
        d.tickUntil(() -> leader.role() != Role.LEADER, 500);
        d.tick(300);
        assertTrue(d.stableLeader() == null || !d.stableLeader().id().equals(other));
        d.heal(leader.id());
        d.dropIf = m -> false;
        d.tickUntil(() -> d.core(other).role() == Role.LEADER && !d.core(other).configuration().isJoint()
                && d.core(other).commitIndex() >= d.core(other).configurationIndex(), 3_000);
        assertEquals(Role.LEADER, d.core(other).role(), "the cluster of one is led by its one voter");
        assertEquals(java.util.Set.of(other), d.core(other).configuration().voters());
    }

    /** A transfer refuses proposals, then completes; a transfer to an unreachable target aborts after an election timeout. */
    @Test
    void transferCompletesOrAbortsAfterAnElectionTimeout() {
        CoreDriver d = CoreDriver.bootstrapped(11, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        List<String> others = d.cores.keySet().stream().filter(x -> !x.equals(leader.id())).toList();
        leader.transferLeadership(1, others.get(0));
        assertEquals(null, leader.propose(EntryType.COMMAND, new byte[] {1}), "proposals are refused during a transfer");
        d.tickUntil(() -> !d.admin.isEmpty(), 200);
        assertEquals(AdminResult.Status.OK, last(d).status(), last(d).toString());
        assertEquals(others.get(0), last(d).detail());
        RaftCore now = d.core(others.get(0));
        assertEquals(Role.LEADER, now.role());

        String target = now.id().equals(others.get(1)) ? leader.id() : others.get(1);
        d.isolate(target);
        int before = d.admin.size();
        now.transferLeadership(2, target);
        int ticks = d.tickUntil(() -> d.admin.size() > before, 1_000);
        assertEquals(AdminResult.Status.FAILED, last(d).status());
        assertTrue(ticks <= CoreDriver.CFG.electionTicks() + 1, "aborted after " + ticks + " ticks");
        assertEquals(Role.LEADER, now.role());
        assertTrue(now.propose(EntryType.COMMAND, new byte[] {2}) != null, "proposals are accepted again");
    }

    /** A transfer revokes the leader lease: the target may lead long before the lease would have run out. */
    @Test
    void aTransferEndsLeaseReadsForTheTerm() {
        CoreDriver d = CoreDriver.bootstrapped(12, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(3); // a heartbeat round acknowledged by both followers
        leader.leaseRead(1);
        d.collect(leader.id());
        assertEquals(1, d.reads.get(leader.id()).size(), "served from the lease before the transfer");
        String target = d.cores.keySet().stream().filter(x -> !x.equals(leader.id())).findFirst().orElseThrow();
        d.isolate(target); // the transfer cannot complete; the leader keeps leading meanwhile
        leader.transferLeadership(1, target);
        d.collect(leader.id());
        assertFalse(leader.leadership().reads.leaseValid(), "the lease is revoked");
        leader.leaseRead(2);
        d.collect(leader.id());
        assertEquals(1, d.reads.get(leader.id()).size(), "no lease read during the transfer: it waits for a ReadIndex round");
    }
}
