package io.tally.raft.core;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LeadershipTransfer} alone (Raft thesis §3.10), through a fake {@link LeadershipTransfer.Node} of plain fields
 * and lists recording what the transfer sent and answered. No RaftCore.
 */
class LeadershipTransferTest {

    /** heartbeatTicks 2: TimeoutNow is repeated every 4 ticks. */
    private static final CoreConfig CFG = new CoreConfig(10, 2, true, true, 3, 1_000_000, 1_000_000, 64, 2, 5, 0);

    private static final class FakeNode implements LeadershipTransfer.Node {
        String id = "a";
        long term = 4;
        Role role = Role.LEADER;
        String leaderId = "a";
        Configuration configuration = Configuration.of(List.of(Member.voter("a"), Member.voter("b"), Member.voter("c"),
                Member.nonVoter("l", "")));
        long lastIndex = 10;
        final Map<String, Long> match = new HashMap<>();
        String mostUpToDateVoter;
        boolean changeInProgress;
        long ticks = 100;
        int leaseRevocations;
        int wakeUps;
        final List<RaftMessage> sent = new ArrayList<>();
        final List<AdminResult> answers = new ArrayList<>();

        List<RaftMessage> takeSent() {
            List<RaftMessage> out = new ArrayList<>(sent);
            sent.clear();
            return out;
        }

        List<AdminResult> takeAnswers() {
            List<AdminResult> out = new ArrayList<>(answers);
            answers.clear();
            return out;
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
        public Role role() {
            return role;
        }

        @Override
        public String leaderId() {
            return leaderId;
        }

        @Override
        public Configuration configuration() {
            return configuration;
        }

        @Override
        public long lastIndex() {
            return lastIndex;
        }

        @Override
        public long match(String peer) {
            return match.getOrDefault(peer, -1L);
        }

        @Override
        public String mostUpToDateVoter() {
            return mostUpToDateVoter;
        }

        @Override
        public boolean changeInProgress() {
            return changeInProgress;
        }

        @Override
        public long ticks() {
            return ticks;
        }

        @Override
        public void revokeLease() {
            leaseRevocations++;
        }

        @Override
        public void wakeUp() {
            wakeUps++;
        }

        @Override
        public void send(RaftMessage m) {
            sent.add(m);
        }

        @Override
        public void answer(AdminResult r) {
            answers.add(r);
        }
    }

    private static void assertAnswer(AdminResult.Status status, long requestId, List<AdminResult> answers) {
        assertEquals(1, answers.size(), answers.toString());
        assertEquals(requestId, answers.get(0).requestId(), answers.toString());
        assertEquals(status, answers.get(0).status(), answers.toString());
    }

    /** A transfer to {@code target} requested at tick 100 with a timeout of 10 ticks. */
    private static LeadershipTransfer started(FakeNode n, String target) {
        LeadershipTransfer t = new LeadershipTransfer(n, CFG);
        t.request(1, target, 10);
        assertTrue(n.answers.isEmpty(), n.answers.toString());
        assertTrue(t.active());
        return t;
    }

    // §3.10: the leader brings the target up to date, then tells it to campaign at once. The lease ends first, as
    // TimeoutNow lets the target skip the voters' vote lease (§6.4.1).
    @Test
    void aTransferRevokesTheLeaseAndSendsTimeoutNowOnceTheTargetIsCaughtUp() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = started(n, "b");
        assertEquals("b", t.target());
        assertEquals(1, n.leaseRevocations);
        assertEquals(1, n.wakeUps, "the next batch moves it along");
        t.advance();
        assertTrue(n.sent.isEmpty(), "b is not replicated to yet");
        n.match.put("b", 9L);
        t.advance();
        assertTrue(n.sent.isEmpty(), "b lacks the last entry");
        n.match.put("b", 10L);
        t.advance();
        assertEquals(List.of(new TimeoutNow("a", "b", 4)), n.takeSent());
        assertTrue(n.answers.isEmpty(), "done only when b is known to lead");
    }

    // In case TimeoutNow is lost, it is sent again every two heartbeat intervals, never more often.
    @Test
    void timeoutNowIsSentAgainEveryTwoHeartbeats() {
        FakeNode n = new FakeNode();
        n.match.put("b", 10L);
        LeadershipTransfer t = started(n, "b");
        t.advance();
        assertEquals(1, n.takeSent().size());
        for (long tick = 101; tick < 104; tick++) {
            n.ticks = tick;
            t.advance();
            t.advance();
            assertTrue(n.sent.isEmpty(), "tick " + tick);
        }
        n.ticks = 104;
        t.advance();
        t.advance();
        assertEquals(List.of(new TimeoutNow("a", "b", 4)), n.takeSent());
        n.ticks = 107;
        t.advance();
        assertTrue(n.sent.isEmpty());
        n.ticks = 108;
        t.advance();
        assertEquals(1, n.takeSent().size());
    }

    // Only a voter can win an election: a non-voter or a stranger is refused, and nothing changes.
    @Test
    void aTransferToANonVoterOrAStrangerIsInvalid() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = new LeadershipTransfer(n, CFG);
        t.request(1, "l", 10);
        assertAnswer(AdminResult.Status.INVALID, 1, n.takeAnswers());
        t.request(2, "z", 10);
        assertAnswer(AdminResult.Status.INVALID, 2, n.takeAnswers());
        assertFalse(t.active());
        assertEquals(0, n.leaseRevocations, "a refused transfer keeps the lease");
    }

    // With no target named, the voter whose log matches furthest is chosen; with none, the request is refused.
    @Test
    void withoutATargetTheMostUpToDateVoterIsChosenAndWithNoneItIsInvalid() {
        FakeNode n = new FakeNode();
        n.mostUpToDateVoter = "c";
        LeadershipTransfer t = started(n, null);
        assertEquals("c", t.target());

        FakeNode alone = new FakeNode();
        alone.configuration = Configuration.ofVoters("a");
        LeadershipTransfer t2 = new LeadershipTransfer(alone, CFG);
        t2.request(1, null, 10);
        assertAnswer(AdminResult.Status.INVALID, 1, alone.takeAnswers());
        assertFalse(t2.active());
    }

    // A transfer to the leader itself is already done.
    @Test
    void aTransferToItselfIsAlreadyDone() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = new LeadershipTransfer(n, CFG);
        t.request(1, "a", 10);
        List<AdminResult> answers = n.takeAnswers();
        assertAnswer(AdminResult.Status.OK, 1, answers);
        assertEquals("a", answers.get(0).detail());
        assertFalse(t.active());
        assertEquals(0, n.leaseRevocations);
    }

    // One transfer at a time, and none during a membership change.
    @Test
    void aSecondTransferOrOneDuringAMembershipChangeIsConflict() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = started(n, "b");
        t.request(2, "c", 10);
        assertAnswer(AdminResult.Status.CONFLICT, 2, n.takeAnswers());
        assertEquals("b", t.target());

        FakeNode changing = new FakeNode();
        changing.changeInProgress = true;
        LeadershipTransfer t2 = new LeadershipTransfer(changing, CFG);
        t2.request(1, "b", 10);
        assertAnswer(AdminResult.Status.CONFLICT, 1, changing.takeAnswers());
        assertFalse(t2.active());
    }

    @Test
    void aNonLeaderAnswersNotLeader() {
        FakeNode n = new FakeNode();
        n.role = Role.FOLLOWER;
        n.leaderId = "b";
        LeadershipTransfer t = new LeadershipTransfer(n, CFG);
        t.request(1, "c", 10);
        assertAnswer(AdminResult.Status.NOT_LEADER, 1, n.takeAnswers());
        assertFalse(t.active());
    }

    // §3.10: if the target has not taken over by the deadline, the leader aborts and accepts proposals again (FAILED);
    // a node that has stopped leading but knows no new leader cannot say what happened (UNKNOWN).
    @Test
    void aTransferThatTimesOutFailsOnTheLeaderAndIsUnknownElsewhere() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = started(n, "b");
        n.ticks = 109;
        t.onTick();
        assertTrue(n.answers.isEmpty(), "the deadline is tick 110");
        n.ticks = 110;
        t.onTick();
        assertAnswer(AdminResult.Status.FAILED, 1, n.takeAnswers());
        assertFalse(t.active());
        t.onTick();
        assertTrue(n.answers.isEmpty());

        FakeNode lost = new FakeNode();
        LeadershipTransfer t2 = started(lost, "b");
        lost.role = Role.FOLLOWER;
        lost.leaderId = null;
        lost.term = 5;
        t2.roleChanged();
        assertTrue(lost.answers.isEmpty(), "no leader known yet");
        lost.ticks = 110;
        t2.onTick();
        assertAnswer(AdminResult.Status.UNKNOWN, 1, lost.takeAnswers());
        assertFalse(t2.active());
    }

    // A timeout of 0 still leaves the transfer a tick.
    @Test
    void aZeroTimeoutLastsATick() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = new LeadershipTransfer(n, CFG);
        t.request(1, "b", 0);
        t.onTick();
        assertTrue(t.active());
        n.ticks = 101;
        t.onTick();
        assertAnswer(AdminResult.Status.FAILED, 1, n.takeAnswers());
    }

    // The outcome is known once a leader of a later term is: the target (OK, naming it), or someone else (FAILED).
    @Test
    void theTransferSucceedsOnlyWhenTheTargetIsKnownToLeadALaterTerm() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = started(n, "b");
        n.role = Role.FOLLOWER;
        n.leaderId = null;
        n.term = 5;
        t.roleChanged();
        assertTrue(t.active(), "a candidate, no leader yet");
        n.leaderId = "b";
        t.roleChanged();
        List<AdminResult> answers = n.takeAnswers();
        assertAnswer(AdminResult.Status.OK, 1, answers);
        assertEquals("b", answers.get(0).detail());
        assertFalse(t.active());

        FakeNode other = new FakeNode();
        LeadershipTransfer t2 = started(other, "b");
        other.role = Role.FOLLOWER;
        other.term = 5;
        other.leaderId = "c";
        t2.roleChanged();
        assertAnswer(AdminResult.Status.FAILED, 1, other.takeAnswers());
        assertFalse(t2.active());
    }

    // This node elected again in a later term: the transfer failed. Still leading the same term: nothing to report.
    @Test
    void beingReElectedFailsTheTransferButARoleChangeOfTheSameTermDoesNot() {
        FakeNode n = new FakeNode();
        LeadershipTransfer t = started(n, "b");
        t.roleChanged();
        assertTrue(t.active());
        assertTrue(n.answers.isEmpty());
        n.term = 6;
        t.roleChanged();
        assertAnswer(AdminResult.Status.FAILED, 1, n.takeAnswers());
        assertFalse(t.active());

        // Stepping down within the same term (CheckQuorum) says nothing about who leads next — even while the node
        // still names itself as the leader of that term: only a leader of a later term decides the outcome.
        FakeNode down = new FakeNode();
        LeadershipTransfer t2 = started(down, "b");
        down.role = Role.FOLLOWER;
        t2.roleChanged();
        assertTrue(t2.active());
        down.leaderId = null;
        t2.roleChanged();
        assertTrue(t2.active());
        assertTrue(down.answers.isEmpty());
        down.match.put("b", 10L);
        t2.advance();
        assertTrue(down.sent.isEmpty(), "only a leader sends TimeoutNow");
    }

    // A target that stops being a voter cannot win: the transfer is aborted.
    @Test
    void aTargetThatStopsBeingAVoterAbortsTheTransfer() {
        FakeNode n = new FakeNode();
        n.match.put("b", 10L);
        LeadershipTransfer t = started(n, "b");
        n.configuration = Configuration.of(List.of(Member.voter("a"), Member.nonVoter("b", ""), Member.voter("c")));
        t.advance();
        assertAnswer(AdminResult.Status.FAILED, 1, n.takeAnswers());
        assertTrue(n.sent.isEmpty());
        assertFalse(t.active());
        assertNull(t.target());
    }
}
