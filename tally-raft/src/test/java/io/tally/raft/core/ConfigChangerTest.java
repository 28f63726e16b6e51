package io.tally.raft.core;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Member;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConfigChanger} alone (Raft thesis §4), through a fake {@link ConfigChanger.Leader}: a real {@link RaftLog}
 * whose latest configuration entry is the configuration in force, a commit index the test moves, and lists that
 * record what the changer appended, sent and answered. No RaftCore.
 */
class ConfigChangerTest {

    /** catchUpMaxLag 5. */
    private static final CoreConfig CFG = new CoreConfig(10, 2, true, true, 3, 1_000_000, 1_000_000, 64, 2, 5, 0);

    private static Entry configEntry(long index, long term, Configuration c) {
        return new Entry(index, term, EntryType.CONFIGURATION, ConfigurationCodec.encode(c));
    }

    private static final class FakeLeader implements ConfigChanger.Leader {
        String id = "a";
        long term = 2;
        Role role = Role.LEADER;
        long ticks;
        final RaftLog log;
        long commitIndex;
        boolean ownTermCommitted = true;
        boolean transferActive;
        final Map<String, Long> match = new HashMap<>();
        String upToDateVoter;
        final List<Configuration> appended = new ArrayList<>();
        int peersChanged;
        int wakeUps;
        int stepDowns;
        final List<RaftMessage> sent = new ArrayList<>();
        final List<AdminResult> answers = new ArrayList<>();

        /** A leader of term 2 over the log [1: {@code initial} (term 1), 2: no-op (term 2)], all committed. */
        FakeLeader(Configuration initial) {
            this(List.of(configEntry(1, 1, initial), new Entry(2, 2, EntryType.NOOP, null)));
        }

        FakeLeader(List<Entry> entries) {
            log = new RaftLog(0, 0, Configuration.EMPTY, entries);
            commitIndex = log.lastIndex();
        }

        void commitAll() {
            commitIndex = log.lastIndex();
        }

        void appendNoops(int n) {
            for (int i = 0; i < n; i++) {
                log.append(new Entry(log.lastIndex() + 1, term, EntryType.NOOP, null));
            }
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
        public long ticks() {
            return ticks;
        }

        @Override
        public RaftLog log() {
            return log;
        }

        @Override
        public long commitIndex() {
            return commitIndex;
        }

        @Override
        public boolean ownTermCommitted() {
            return ownTermCommitted;
        }

        @Override
        public Configuration configuration() {
            return log.latestConfiguration();
        }

        @Override
        public boolean transferActive() {
            return transferActive;
        }

        @Override
        public long match(String peer) {
            return match.getOrDefault(peer, -1L);
        }

        @Override
        public String upToDateVoter(Configuration c) {
            return upToDateVoter;
        }

        @Override
        public long appendConfiguration(Configuration c) {
            long index = log.lastIndex() + 1;
            log.append(configEntry(index, term, c));
            appended.add(c);
            return index;
        }

        @Override
        public void peersChanged() {
            peersChanged++;
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
        public void stepDown() {
            stepDowns++;
        }

        @Override
        public void answer(AdminResult r) {
            answers.add(r);
        }
    }

    private static final Configuration ABC = Configuration.ofVoters("a", "b", "c");

    private static Configuration members(Member... ms) {
        return Configuration.of(List.of(ms));
    }

    private static ConfigChange addVoter(String id) {
        return new ConfigChange.AddMember(Member.voter(id));
    }

    private static ConfigChange addNonVoter(String id) {
        return new ConfigChange.AddMember(Member.nonVoter(id, ""));
    }

    private static void assertAnswer(AdminResult.Status status, long requestId, List<AdminResult> answers) {
        assertEquals(1, answers.size(), answers.toString());
        assertEquals(requestId, answers.get(0).requestId(), answers.toString());
        assertEquals(status, answers.get(0).status(), answers.toString());
    }

    // ---------------------------------------------------------------- the phases

    // §4.2.1 and §4.3: a new voter joins as a non-voter, is promoted once caught up, through C_old,new to C_new; the
    // change is answered once C_new commits, with its index and configuration.
    @Test
    void addingAVoterGoesFromNonVoterThroughCatchUpAndJointConsensusToCNew() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addVoter("d"), -1, 100);
        assertEquals(1, l.wakeUps, "the next batch runs the change");
        assertTrue(ch.hasPending());
        ch.advance();
        Configuration interim = members(Member.voter("a"), Member.voter("b"), Member.voter("c"), Member.nonVoter("d", ""));
        assertEquals(List.of(interim), l.appended, "d joins as a non-voter");
        ch.advance();
        assertEquals(1, l.appended.size(), "waits for that entry to commit");

        l.commitAll();
        ch.advance();
        assertEquals(1, l.appended.size(), "d has not answered: not caught up");
        l.match.put("d", 3L);
        ch.advance();
        Configuration joint = new Configuration(Configuration.ofVoters("a", "b", "c", "d").members(), Set.of("a", "b", "c"));
        assertEquals(joint, l.appended.get(1), "C_old,new");
        ch.advance();
        assertEquals(2, l.appended.size(), "C_new waits for C_old,new to commit");

        l.commitAll();
        ch.advance();
        assertEquals(Configuration.ofVoters("a", "b", "c", "d"), l.appended.get(2), "C_new");
        assertTrue(l.answers.isEmpty(), "answered only once C_new commits");

        l.commitAll();
        ch.advance();
        List<AdminResult> answers = l.takeAnswers();
        assertAnswer(AdminResult.Status.OK, 1, answers);
        assertEquals(5, answers.get(0).index());
        assertEquals(Configuration.ofVoters("a", "b", "c", "d"), answers.get(0).configuration());
        assertFalse(ch.hasPending());
        ch.advance();
        assertEquals(3, l.appended.size());
    }

    // §4.2.1: promotion waits until the new voter has answered at all (an unreachable voter could stall commits), and
    // until its log is within catchUpMaxLag entries of the leader's.
    @Test
    void aNewVoterIsPromotedOnlyOnceItHasAnsweredAndIsWithinCatchUpMaxLag() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addVoter("d"), -1, 100);
        ch.advance();
        l.commitAll(); // the log ends at 3: even an empty log is within the lag of 5
        l.match.put("d", 0L);
        ch.advance();
        assertEquals(1, l.appended.size(), "match 0: never answered");

        FakeLeader far = new FakeLeader(ABC);
        far.appendNoops(20);
        far.commitAll();
        ConfigChanger ch2 = new ConfigChanger(far, CFG);
        ch2.request(1, addVoter("d"), -1, 100);
        ch2.advance();
        far.commitAll(); // the log ends at 23
        far.match.put("d", 17L);
        ch2.advance();
        assertEquals(1, far.appended.size(), "6 entries behind");
        far.match.put("d", 18L);
        ch2.advance();
        assertEquals(2, far.appended.size(), "5 entries behind: promoted");
        assertTrue(far.appended.get(1).isJoint());
    }

    // Promoting an existing non-voter needs no non-voter step: it goes straight to catch-up.
    @Test
    void promotingANonVoterGoesStraightToCatchUp() {
        FakeLeader l = new FakeLeader(members(Member.voter("a"), Member.voter("b"), Member.voter("c"), Member.nonVoter("l", "")));
        ConfigChanger ch = new ConfigChanger(l, CFG);
        l.match.put("l", 2L);
        ch.request(1, addVoter("l"), -1, 100);
        ch.advance();
        assertEquals(List.of(new Configuration(Configuration.ofVoters("a", "b", "c", "l").members(), Set.of("a", "b", "c"))),
                l.appended);
    }

    // §4.3: removing a voter changes the voters, so it goes through C_old,new as well.
    @Test
    void removingAVoterGoesThroughTheJointConfiguration() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, new ConfigChange.RemoveMember("c"), -1, 100);
        ch.advance();
        assertEquals(List.of(new Configuration(Configuration.ofVoters("a", "b").members(), Set.of("a", "b", "c"))), l.appended);
        l.commitAll();
        ch.advance();
        assertEquals(Configuration.ofVoters("a", "b"), l.appended.get(1));
        l.commitAll();
        ch.advance();
        assertAnswer(AdminResult.Status.OK, 1, l.takeAnswers());
    }

    // With the voters unchanged no joint configuration is needed: the target is appended directly (FINAL).
    @Test
    void addingANonVoterAppendsTheTargetDirectly() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), -1, 100);
        ch.advance();
        Configuration target = members(Member.voter("a"), Member.voter("b"), Member.voter("c"), Member.nonVoter("l", ""));
        assertEquals(List.of(target), l.appended);
        ch.advance();
        assertTrue(l.answers.isEmpty());
        l.commitAll();
        ch.advance();
        List<AdminResult> answers = l.takeAnswers();
        assertAnswer(AdminResult.Status.OK, 1, answers);
        assertEquals(3, answers.get(0).index());
        assertEquals(target, answers.get(0).configuration());
    }

    // ---------------------------------------------------------------- requests refused or invalid

    // At most one change in flight: a second request while one is pending is refused, and the first goes on.
    @Test
    void aSecondMembershipChangeWhileOneIsPendingIsConflict() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), -1, 100);
        ch.request(2, addNonVoter("m"), -1, 100);
        assertAnswer(AdminResult.Status.CONFLICT, 2, l.takeAnswers());
        ch.advance();
        ch.request(3, new ConfigChange.RemoveMember("c"), -1, 100);
        assertAnswer(AdminResult.Status.CONFLICT, 3, l.takeAnswers());
        l.commitAll();
        ch.advance();
        assertAnswer(AdminResult.Status.OK, 1, l.takeAnswers());
        ch.request(4, new ConfigChange.RemoveMember("c"), -1, 100);
        assertTrue(l.answers.isEmpty(), "accepted once the first is done");
    }

    // A transfer and a change never run at once.
    @Test
    void aChangeRequestedDuringALeadershipTransferIsConflict() {
        FakeLeader l = new FakeLeader(ABC);
        l.transferActive = true;
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), -1, 100);
        assertAnswer(AdminResult.Status.CONFLICT, 1, l.takeAnswers());
        assertFalse(ch.hasPending());
    }

    // expectedIndex: the change is based on the configuration at that index; once the configuration has moved on the
    // request is refused. -1 means any.
    @Test
    void aStaleExpectedIndexIsConflict() {
        FakeLeader l = new FakeLeader(ABC); // configuration at index 1
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), 0, 100);
        assertAnswer(AdminResult.Status.CONFLICT, 1, l.takeAnswers());
        ch.request(2, addNonVoter("l"), 2, 100);
        assertAnswer(AdminResult.Status.CONFLICT, 2, l.takeAnswers());
        ch.request(3, addNonVoter("l"), 1, 100);
        assertTrue(l.answers.isEmpty());
        ch.advance();
        l.commitAll();
        ch.advance();
        assertAnswer(AdminResult.Status.OK, 3, l.takeAnswers());
        ch.request(4, addNonVoter("m"), 1, 100);
        assertAnswer(AdminResult.Status.CONFLICT, 4, l.takeAnswers());
        ch.request(5, addNonVoter("m"), 3, 100);
        assertTrue(l.answers.isEmpty());
    }

    // A leader that inherited a committed C_old,new leaves it for C_new on its own (§4.3), before any queued change
    // starts; a change that expected the joint configuration's index is stale by then.
    @Test
    void aQueuedChangeBasedOnAJointConfigurationTheLeaderLeavesIsConflict() {
        Configuration joint = new Configuration(Configuration.ofVoters("a", "b", "c", "d").members(), Set.of("a", "b", "c"));
        FakeLeader l = new FakeLeader(List.of(configEntry(1, 1, ABC), configEntry(2, 1, joint),
                new Entry(3, 2, EntryType.NOOP, null)));
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), 2, 100);
        assertTrue(l.answers.isEmpty(), "the configuration is at 2 when asked");
        ch.advance();
        assertEquals(List.of(Configuration.ofVoters("a", "b", "c", "d")), l.appended, "C_new first");
        l.commitAll();
        ch.advance();
        assertAnswer(AdminResult.Status.CONFLICT, 1, l.takeAnswers());
        assertEquals(1, l.appended.size());
    }

    // Same rule without any request: whoever leads a committed joint configuration completes the change.
    @Test
    void aLeaderThatInheritedACommittedJointConfigurationAppendsCNewOnItsOwn() {
        Configuration joint = new Configuration(Configuration.ofVoters("a", "b").members(), Set.of("a", "b", "c"));
        FakeLeader l = new FakeLeader(List.of(configEntry(1, 1, ABC), configEntry(2, 1, joint),
                new Entry(3, 2, EntryType.NOOP, null)));
        l.commitIndex = 1;
        l.ownTermCommitted = false;
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.advance();
        assertTrue(l.appended.isEmpty(), "not before an own-term commit");
        l.commitAll();
        l.ownTermCommitted = true;
        ch.advance();
        assertEquals(List.of(Configuration.ofVoters("a", "b")), l.appended);
        ch.advance();
        assertEquals(1, l.appended.size());
        assertTrue(l.answers.isEmpty());
    }

    @Test
    void aNonLeaderAnswersNotLeader() {
        FakeLeader l = new FakeLeader(ABC);
        l.role = Role.FOLLOWER;
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), -1, 100);
        assertAnswer(AdminResult.Status.NOT_LEADER, 1, l.takeAnswers());
        assertFalse(ch.hasPending());
    }

    // A change that makes no sense is refused when it starts, against the configuration in force then.
    @Test
    void aChangeLeavingNoVotersOrRemovingAStrangerIsInvalid() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, new ConfigChange.RemoveMember("z"), -1, 100);
        ch.advance();
        assertAnswer(AdminResult.Status.INVALID, 1, l.takeAnswers());
        ch.request(2, new ConfigChange.SetMembers(List.of(Member.nonVoter("a", ""), Member.nonVoter("b", ""))), -1, 100);
        ch.advance();
        assertAnswer(AdminResult.Status.INVALID, 2, l.takeAnswers());
        assertTrue(l.appended.isEmpty());
        assertFalse(ch.hasPending());
    }

    // Nothing to change: answered OK at once, at the configuration in force, without an entry.
    @Test
    void aChangeToTheCurrentMembershipSucceedsWithoutAnEntry() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addVoter("b"), -1, 100);
        ch.advance();
        List<AdminResult> answers = l.takeAnswers();
        assertAnswer(AdminResult.Status.OK, 1, answers);
        assertEquals(1, answers.get(0).index());
        assertTrue(l.appended.isEmpty());
    }

    // ---------------------------------------------------------------- when a change may start

    // raft-dev, July 2015: until an entry of its own term commits, a new leader's idea of the committed configuration
    // may be stale, so it appends no configuration entry.
    @Test
    void noConfigurationIsAppendedBeforeAnEntryOfTheLeadersOwnTermCommits() {
        FakeLeader l = new FakeLeader(ABC);
        l.ownTermCommitted = false;
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), -1, 100);
        for (int i = 0; i < 3; i++) {
            ch.advance();
        }
        assertTrue(l.appended.isEmpty());
        l.ownTermCommitted = true;
        ch.advance();
        assertEquals(1, l.appended.size());
    }

    // At most one change in flight: no configuration entry while the latest one is uncommitted.
    @Test
    void noConfigurationIsAppendedWhileTheLatestOneIsUncommitted() {
        FakeLeader l = new FakeLeader(ABC);
        l.appendConfiguration(members(Member.voter("a"), Member.voter("b"), Member.voter("c"), Member.nonVoter("x", "")));
        l.appended.clear();
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), -1, 100);
        ch.advance();
        ch.advance();
        assertTrue(l.appended.isEmpty());
        l.commitAll();
        ch.advance();
        assertEquals(1, l.appended.size());
        assertTrue(l.appended.get(0).contains("x"), "resolved against the configuration in force when it starts");
    }

    // A queued change waits while a leadership transfer runs.
    @Test
    void aQueuedChangeWaitsForALeadershipTransferToEnd() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, addNonVoter("l"), -1, 100);
        l.transferActive = true;
        ch.advance();
        assertTrue(l.appended.isEmpty());
        l.transferActive = false;
        ch.advance();
        assertEquals(1, l.appended.size());
    }

    // ---------------------------------------------------------------- timeouts and lost leadership

    /** A change to {@code change} with a timeout of 5 ticks from tick 10, moved along by {@code setup}. */
    private static AdminResult timedOut(ConfigChange change, java.util.function.Consumer<FakeLeader> setup, ConfigChanger[] out) {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        out[0] = ch;
        l.ticks = 10;
        ch.request(1, change, -1, 5);
        setup.accept(l);
        ch.advance();
        l.ticks = 14;
        ch.onTick();
        assertTrue(l.answers.isEmpty(), "the deadline is tick 15");
        l.ticks = 15;
        ch.onTick();
        List<AdminResult> answers = l.takeAnswers();
        assertEquals(1, answers.size());
        assertFalse(ch.hasPending());
        return answers.get(0);
    }

    // AdminResult: FAILED when the change certainly stopped before any voter changed (waiting, adding non-voters,
    // catching up); UNKNOWN once C_old,new or the target is in the log (it takes effect if it commits).
    @Test
    void aTimeoutBeforeAnyVoterChangedIsFailedAndAfterwardsUnknown() {
        ConfigChanger[] ch = new ConfigChanger[1];
        assertEquals(AdminResult.Status.FAILED, timedOut(addNonVoter("l"), l -> l.ownTermCommitted = false, ch).status(),
                "WAITING");
        assertEquals(AdminResult.Status.FAILED, timedOut(addVoter("d"), l -> { }, ch).status(), "ADDING_NON_VOTERS");
        assertEquals(AdminResult.Status.FAILED, timedOut(addVoter("d"), l -> {
            ch[0].advance();
            l.commitAll();
        }, ch).status(), "CATCHING_UP");
        assertEquals(AdminResult.Status.UNKNOWN, timedOut(new ConfigChange.RemoveMember("c"), l -> { }, ch).status(), "JOINT");
        assertEquals(AdminResult.Status.UNKNOWN, timedOut(addNonVoter("l"), l -> { }, ch).status(), "FINAL");
    }

    // A timeout of 0 still gives the change a tick; a timed-out change no longer blocks the next one.
    @Test
    void aTimedOutChangeMakesRoomForTheNextAndAZeroTimeoutLastsATick() {
        FakeLeader l = new FakeLeader(ABC);
        l.ownTermCommitted = false;
        ConfigChanger ch = new ConfigChanger(l, CFG);
        l.ticks = 3;
        ch.request(1, addNonVoter("l"), -1, 0);
        ch.onTick();
        assertTrue(l.answers.isEmpty());
        l.ticks = 4;
        ch.onTick();
        assertAnswer(AdminResult.Status.FAILED, 1, l.takeAnswers());
        ch.request(2, addNonVoter("l"), -1, 10);
        assertTrue(l.answers.isEmpty());
        assertTrue(ch.hasPending());
    }

    /** The status a change answers with when leadership is lost after {@code setup}. */
    private static AdminResult.Status lostLeadership(ConfigChange change, java.util.function.Consumer<FakeLeader> setup) {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, change, -1, 100);
        setup.accept(l);
        ch.advance();
        ch.roleChanged();
        assertTrue(l.answers.isEmpty(), "still leading: a role change of others ends nothing");
        l.role = Role.FOLLOWER;
        ch.roleChanged();
        List<AdminResult> answers = l.takeAnswers();
        assertEquals(1, answers.size());
        assertFalse(ch.hasPending());
        return answers.get(0).status();
    }

    @Test
    void losingLeadershipEndsAChangeAsNotLeaderFailedOrUnknownByPhase() {
        assertEquals(AdminResult.Status.NOT_LEADER, lostLeadership(addNonVoter("l"), l -> l.ownTermCommitted = false));
        assertEquals(AdminResult.Status.FAILED, lostLeadership(addVoter("d"), l -> { }));
        assertEquals(AdminResult.Status.UNKNOWN, lostLeadership(new ConfigChange.RemoveMember("c"), l -> { }));
        assertEquals(AdminResult.Status.UNKNOWN, lostLeadership(addNonVoter("l"), l -> { }));
    }

    // ---------------------------------------------------------------- the leader removed, and the replicator's peers

    // §4.2.2: a leader that is not a voter of the committed, plain configuration tells the most up-to-date remaining
    // voter to campaign at once, and steps down; until then (and while it is an outgoing voter) it leads on.
    @Test
    void aLeaderRemovedByTheCommittedConfigurationHandsOverAndStepsDown() {
        FakeLeader l = new FakeLeader(ABC);
        l.upToDateVoter = "c";
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.request(1, new ConfigChange.RemoveMember("a"), -1, 100);
        ch.advance(); // C_old,new: a is an outgoing voter
        ch.stepDownIfRemoved();
        l.commitAll();
        ch.advance(); // C_new = {b, c}, uncommitted
        ch.stepDownIfRemoved();
        assertEquals(0, l.stepDowns, "joint, then uncommitted: leads on");
        assertTrue(l.sent.isEmpty());
        l.commitAll();
        ch.advance();
        assertAnswer(AdminResult.Status.OK, 1, l.takeAnswers());
        ch.stepDownIfRemoved();
        assertEquals(List.of(new TimeoutNow("a", "c", 2)), l.sent);
        assertEquals(1, l.stepDowns);

        FakeLeader alone = new FakeLeader(Configuration.ofVoters("b", "c"));
        new ConfigChanger(alone, CFG).stepDownIfRemoved();
        assertEquals(1, alone.stepDowns, "no up-to-date voter: steps down all the same");
        assertTrue(alone.sent.isEmpty());

        FakeLeader voter = new FakeLeader(ABC);
        new ConfigChanger(voter, CFG).stepDownIfRemoved();
        assertEquals(0, voter.stepDowns);

        FakeLeader follower = new FakeLeader(Configuration.ofVoters("b", "c"));
        follower.role = Role.FOLLOWER;
        new ConfigChanger(follower, CFG).stepDownIfRemoved();
        assertEquals(0, follower.stepDowns);
    }

    // The replicator re-reads its peers whenever the committed configuration moves (members removed by it stop being
    // replicated to), and only then.
    @Test
    void theReplicatorIsToldWhenTheCommittedConfigurationMoves() {
        FakeLeader l = new FakeLeader(ABC);
        ConfigChanger ch = new ConfigChanger(l, CFG);
        ch.advance();
        assertEquals(1, l.peersChanged);
        ch.advance();
        assertEquals(1, l.peersChanged);
        ch.request(1, addNonVoter("l"), -1, 100);
        ch.advance();
        assertEquals(1, l.peersChanged, "appended, not committed");
        l.commitAll();
        ch.advance();
        assertEquals(2, l.peersChanged);
    }
}
