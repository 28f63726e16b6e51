package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.HardState;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftCoreElectionTest {

    private static RaftCore fresh(String id, long seed) {
        return new RaftCore(id, CoreDriver.CFG, CoreDriver.afterStartLease(), new SplittableRandom(seed), HardState.EMPTY,
                new RaftLog(0, 0, Configuration.EMPTY, List.of()));
    }

    /** A bootstrapped node whose bootstrap write is durable and whose output has been drained. */
    private static RaftCore bootstrappedNode(String id, String... members) {
        RaftCore c = fresh(id, 1);
        c.bootstrap(Configuration.ofVoters(members));
        CoreDriver.drain(c);
        c.persisted(1, 1);
        CoreDriver.drain(c);
        return c;
    }

    private static List<VoteResponse> voteResponses(List<RaftMessage> ms) {
        return ms.stream().filter(m -> m instanceof VoteResponse).map(m -> (VoteResponse) m).toList();
    }

    private static VoteResponse onlyVoteResponse(Output o) {
        List<VoteResponse> all = voteResponses(o.messages());
        all = new java.util.ArrayList<>(all);
        all.addAll(voteResponses(o.messagesAfterPersist()));
        assertEquals(1, all.size(), "exactly one vote response: " + o);
        return all.get(0);
    }

    // §5.2 with a single voter: it is its own majority; §5.4.2/§8: its no-op commits once durable (thesis §10.2.1).
    @Test
    void singleNodeElectsItselfAndCommitsItsNoopOnlyAfterPersisted() {
        RaftCore a = fresh("a", 9);
        a.bootstrap(Configuration.ofVoters("a"));
        Output boot = CoreDriver.drain(a);
        assertEquals(new HardState(1, null), boot.hardState());
        assertEquals(1, boot.entries().size());
        a.persisted(1, 1);
        CoreDriver.drain(a);

        Output o = null;
        for (int i = 0; i < 100 && a.role() != Role.LEADER; i++) {
            a.tick();
            o = CoreDriver.drain(a);
        }
        assertEquals(Role.LEADER, a.role());
        assertEquals(2, a.term());
        assertNotNull(o);
        assertEquals(new HardState(2, "a"), o.hardState());
        assertEquals(List.of(new Entry(2, 2, EntryType.NOOP, null)), o.entries());
        assertEquals(0, a.commitIndex(), "the leader's own unpersisted entry must not count");
        assertTrue(o.committed().isEmpty());

        a.persisted(2, 2);
        assertEquals(2, a.commitIndex());
        Output after = CoreDriver.drain(a);
        assertEquals(List.of(1L, 2L), after.committed().stream().map(Entry::index).toList());
    }

    // §5.2 Election Safety: at most one leader per term; §8: a new leader first appends a no-op of its own term.
    @Test
    void threeNodeClusterElectsExactlyOneLeaderWhichAppendsANoopOfItsTerm() {
        for (long seed = 1; seed <= 30; seed++) {
            CoreDriver d = CoreDriver.bootstrapped(seed, "a", "b", "c");
            RaftCore leader = d.electLeader(500);
            assertEquals(1, d.leaders().size(), "seed " + seed);
            for (Map.Entry<Long, Set<String>> e : d.leadersByTerm.entrySet()) {
                assertEquals(1, e.getValue().size(), "seed " + seed + " two leaders in term " + e.getKey());
            }
            long noopIndex = -1;
            for (long i = 1; i <= leader.lastIndex(); i++) {
                if (leader.log().term(i) == leader.term()) {
                    noopIndex = i;
                    break;
                }
            }
            Entry first = leader.log().entry(noopIndex);
            assertEquals(EntryType.NOOP, first.type(), "seed " + seed + ": first entry of the leader's term");
            d.tick(10);
            for (RaftCore c : d.cores.values()) {
                assertEquals(leader.lastIndex(), c.commitIndex(), "seed " + seed + " " + d.describe());
                assertEquals(CoreDriver.logOf(leader), CoreDriver.logOf(c));
            }
        }
    }

    // Thesis §9.6 (PreVote): rejections from voters at the pre-candidate's own term count, so a pre-candidate
    // that cannot win gives up at once instead of waiting out another election timeout.
    @Test
    void preCandidateStepsDownWhenAMajorityRejectsAtItsOwnTerm() {
        RaftCore a = new RaftCore("a", CoreConfig.defaults().withTicks(10, 2), CoreDriver.afterStartLease(), new java.util.SplittableRandom(1),
                new HardState(1, null), new RaftLog(0, 0, Configuration.ofVoters("a", "b", "c"), List.of()));
        for (int i = 0; i < 100 && a.role() == Role.FOLLOWER; i++) {
            a.tick();
            CoreDriver.drain(a);
        }
        assertEquals(Role.PRE_CANDIDATE, a.role());
        a.step(new VoteResponse("b", "a", 1, false, true));
        assertEquals(Role.PRE_CANDIDATE, a.role(), "one rejection of three is not yet a loss");
        a.step(new VoteResponse("c", "a", 1, false, true));
        assertEquals(Role.FOLLOWER, a.role(), "two rejections of three lose the pre-vote");
        assertEquals(1, a.term(), "losing a pre-vote changes no term");
    }

    // Thesis §9.6 (PreVote): the pre-candidate asks for term+1 but does not raise or persist its own term.
    @Test
    void preCandidateDoesNotRaiseItsTerm() {
        CoreDriver d = CoreDriver.bootstrapped(5, "a", "b", "c");
        RaftCore a = d.core("a");
        List<RaftMessage> requests = null;
        for (int i = 0; i < 100 && a.role() == Role.FOLLOWER; i++) {
            d.advance(CoreDriver.TICK_NANOS); // time passes for everyone; only a ticks
            a.tick();
            Output o = CoreDriver.drain(a);
            assertNull(o.hardState(), "pre-vote must not change durable state");
            requests = o.messages();
        }
        assertEquals(Role.PRE_CANDIDATE, a.role());
        assertEquals(1, a.term());
        assertNull(a.votedFor());
        assertEquals(2, requests.size(), "sent at once: nothing to persist");
        for (RaftMessage m : requests) {
            VoteRequest v = (VoteRequest) m;
            assertTrue(v.preVote());
            assertEquals(2, v.term());
        }
        // a receiver grants the pre-vote without changing its own term or vote either
        RaftCore b = d.core("b");
        b.step(requests.get(0).to().equals("b") ? requests.get(0) : requests.get(1));
        Output bo = CoreDriver.drain(b);
        assertNull(bo.hardState());
        VoteResponse r = onlyVoteResponse(bo);
        assertTrue(r.granted() && r.preVote());
        assertEquals(1, b.term());
        assertNull(b.votedFor());
    }

    // Thesis §9.6: with PreVote a partitioned node cannot win pre-votes, so it never raises its term and does not
    // disrupt the cluster when it rejoins.
    @Test
    void partitionedNodeWithPreVoteNeverRaisesItsTerm() {
        CoreDriver d = CoreDriver.bootstrapped(17, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        String lonely = d.cores.keySet().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
        long term = leader.term();
        d.isolate(lonely);
        boolean sawPreCandidate = false;
        for (int i = 0; i < 500; i++) {
            d.tick();
            sawPreCandidate |= d.core(lonely).role() == Role.PRE_CANDIDATE;
            assertEquals(term, d.core(lonely).term(), "tick " + i);
        }
        assertTrue(sawPreCandidate, "it did keep timing out");
        assertEquals(leader, d.stableLeader());
        d.heal(lonely);
        d.tick(20);
        assertEquals(term, leader.term());
        assertEquals(Role.LEADER, leader.role());
        assertEquals(leader.id(), d.core(lonely).leaderId());
    }

    // §5.2: each server votes for at most one candidate in a given term (first-come-first-served).
    @Test
    void votesAreGrantedAtMostOncePerTerm() {
        RaftCore a = bootstrappedNode("a", "a", "b", "c");
        a.step(new VoteRequest("b", "a", 2, 1, 1, false, false));
        VoteResponse first = onlyVoteResponse(CoreDriver.drain(a));
        assertTrue(first.granted());
        assertEquals("b", a.votedFor());

        a.step(new VoteRequest("c", "a", 2, 1, 1, false, false));
        VoteResponse second = onlyVoteResponse(CoreDriver.drain(a));
        assertFalse(second.granted(), "already voted for b in term 2");
        assertEquals("b", a.votedFor());

        a.step(new VoteRequest("b", "a", 2, 1, 1, false, false));
        assertTrue(onlyVoteResponse(CoreDriver.drain(a)).granted(), "a retransmitted request from b gets the same answer");

        a.step(new VoteRequest("c", "a", 3, 1, 1, false, false));
        assertTrue(onlyVoteResponse(CoreDriver.drain(a)).granted(), "a new term allows a new vote");
        assertEquals("c", a.votedFor());
        assertEquals(3, a.term());
    }

    // §5.4.1: a vote is denied to a candidate whose log is less up to date (last term, then length).
    @Test
    void votesAreGrantedOnlyToUpToDateCandidates() {
        RaftCore a = bootstrappedNode("a", "a", "b", "c"); // last entry (1, 1)
        a.step(new VoteRequest("b", "a", 2, 0, 0, false, false)); // empty log
        VoteResponse r = onlyVoteResponse(CoreDriver.drain(a));
        assertFalse(r.granted());
        assertEquals(2, a.term(), "the higher term is adopted even though the vote is denied");
        assertNull(a.votedFor(), "a denied vote is not a vote");

        a.step(new VoteRequest("c", "a", 2, 1, 1, false, false));
        assertTrue(onlyVoteResponse(CoreDriver.drain(a)).granted(), "still free to vote in term 2");

        // a node holding (2, term 2) denies a longer log with an older last term
        RaftCore b = new RaftCore("b", CoreDriver.CFG, CoreDriver.afterStartLease(), new SplittableRandom(2), new HardState(2, null),
                new RaftLog(0, 0, Configuration.EMPTY, List.of(
                        new Entry(1, 1, EntryType.CONFIGURATION, ConfigurationCodec.encode(Configuration.ofVoters("a", "b", "c"))),
                        new Entry(2, 2, EntryType.NOOP, null))));
        b.step(new VoteRequest("c", "b", 3, 9, 1, false, false));
        assertFalse(onlyVoteResponse(CoreDriver.drain(b)).granted());
        b.step(new VoteRequest("a", "b", 4, 1, 2, false, false)); // same last term, shorter
        assertFalse(onlyVoteResponse(CoreDriver.drain(b)).granted());
        b.step(new VoteRequest("a", "b", 5, 1, 3, false, false)); // newer last term, shorter
        assertTrue(onlyVoteResponse(CoreDriver.drain(b)).granted());
        // PreVote applies the same §5.4.1 check
        b.step(new VoteRequest("c", "b", 6, 50, 1, true, false));
        VoteResponse pre = onlyVoteResponse(CoreDriver.drain(b));
        assertTrue(pre.preVote());
        assertFalse(pre.granted());
    }

    // Figure 2 / thesis §3.8: currentTerm and votedFor are durable before the vote is sent.
    @Test
    void voteGrantIsSentOnlyAfterPersistingTheHardState() {
        RaftCore a = bootstrappedNode("a", "a", "b", "c");
        a.step(new VoteRequest("b", "a", 2, 1, 1, false, false));
        Output o = CoreDriver.drain(a);
        assertEquals(new HardState(2, "b"), o.hardState());
        assertTrue(voteResponses(o.messages()).isEmpty(), "a grant must not leave before the persist");
        List<VoteResponse> after = voteResponses(o.messagesAfterPersist());
        assertEquals(1, after.size());
        assertTrue(after.get(0).granted());
        assertTrue(o.needsPersist());

        // the candidate's own vote request also waits for its term and self-vote to be durable
        CoreDriver d = CoreDriver.bootstrapped(CoreDriver.CFG.withPreVote(false), 3, "a", "b", "c");
        RaftCore c = d.core("c");
        Output co = null;
        for (int i = 0; i < 100 && c.role() != Role.CANDIDATE; i++) {
            c.tick();
            co = CoreDriver.drain(c);
        }
        assertEquals(Role.CANDIDATE, c.role());
        assertNotNull(co);
        assertEquals(new HardState(2, "c"), co.hardState());
        assertTrue(co.messages().isEmpty());
        assertEquals(2, co.messagesAfterPersist().stream().filter(m -> m instanceof VoteRequest).count());
    }

    // Thesis §4.2.3: a server that heard from a current leader within the minimum election timeout neither grants
    // a vote nor updates its term; a leadership transfer (§3.10) is exempt.
    @Test
    void nodeThatHeardFromLeaderRecentlyIgnoresHigherTermVoteRequestUnlessTransfer() {
        CoreDriver d = CoreDriver.bootstrapped(21, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(3);
        List<String> followers = d.cores.keySet().stream().filter(id -> !id.equals(leader.id())).toList();
        RaftCore f = d.core(followers.get(0));
        String other = followers.get(1);
        long term = f.term();
        assertEquals(leader.id(), f.leaderId());

        for (boolean preVote : new boolean[] {false, true}) {
            f.step(new VoteRequest(other, f.id(), term + 1, f.lastIndex(), f.log().lastTerm(), preVote, false));
            Output o = CoreDriver.drain(f);
            assertEquals(term, f.term(), "term unchanged (preVote=" + preVote + ")");
            assertNull(o.hardState());
            assertTrue(voteResponses(o.messages()).isEmpty() && voteResponses(o.messagesAfterPersist()).isEmpty(),
                    "the request is ignored (preVote=" + preVote + ")");
        }

        f.step(new VoteRequest(other, f.id(), term + 1, f.lastIndex(), f.log().lastTerm(), false, true));
        Output o = CoreDriver.drain(f);
        assertEquals(term + 1, f.term());
        assertEquals(other, f.votedFor());
        assertTrue(onlyVoteResponse(o).granted());
        assertEquals(new HardState(term + 1, other), o.hardState());
    }

    // Thesis §4.2.3 lease ends: once an election timeout passes without the leader, the same request is honoured.
    @Test
    void nodeWhoseLeaderWentSilentGrantsHigherTermVote() {
        CoreDriver d = CoreDriver.bootstrapped(22, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        List<String> followers = d.cores.keySet().stream().filter(id -> !id.equals(leader.id())).toList();
        RaftCore f = d.core(followers.get(0));
        long term = f.term();
        for (int i = 0; i < CoreDriver.CFG.electionTicks(); i++) {
            d.advance(CoreDriver.TICK_NANOS); // the lease is time: an election timeout passes
            f.tick(); // no heartbeats delivered
            if (f.role() != Role.FOLLOWER) {
                break;
            }
        }
        CoreDriver.drain(f);
        f.step(new VoteRequest(followers.get(1), f.id(), term + 1, f.lastIndex(), f.log().lastTerm(), false, false));
        assertTrue(onlyVoteResponse(CoreDriver.drain(f)).granted());
        assertEquals(term + 1, f.term());
    }

    // Thesis §6.2 (CheckQuorum): a leader that has not heard from a majority for an election timeout steps down.
    @Test
    void leaderCutOffFromAllFollowersStepsDownAfterAnElectionTimeout() {
        CoreDriver d = CoreDriver.bootstrapped(8, "a", "b", "c");
        RaftCore leader = d.electLeader(500);
        d.tick(50);
        assertEquals(Role.LEADER, leader.role(), "a connected leader keeps its role");
        long term = leader.term();
        d.isolate(leader.id());
        int election = CoreDriver.CFG.electionTicks();
        int ticks = 0;
        while (leader.role() == Role.LEADER && ticks < 10 * election) {
            leader.tick();
            d.collect(leader.id());
            ticks++;
        }
        assertEquals(Role.FOLLOWER, leader.role());
        assertTrue(ticks <= 2 * election, "stepped down after " + ticks + " ticks");
        assertEquals(term, leader.term(), "stepping down does not raise the term");
        assertNull(leader.leaderId());
    }

    // A restarted node does not know whether it heard from a leader just before it went down: it treats its start
    // as such contact, so it votes for nobody within an election timeout of starting. Otherwise a follower
    // restarted inside a leader's lease could help elect a new leader while the old one still serves lease reads.
    @Test
    void aRestartedNodeGrantsNoVoteWithinAnElectionTimeoutOfStarting() {
        CoreDriver d = CoreDriver.bootstrapped(30, "a", "b", "c");
        d.advance(3_600_000_000_000L); // long after the cluster started
        RaftCore b = new RaftCore("b", CoreDriver.CFG, d.clock(), new SplittableRandom(2), new HardState(2, null),
                new RaftLog(0, 0, Configuration.EMPTY, List.of(
                        new Entry(1, 1, EntryType.CONFIGURATION, ConfigurationCodec.encode(Configuration.ofVoters("a", "b", "c"))))));
        b.step(new VoteRequest("c", "b", 3, 1, 1, false, false));
        assertTrue(CoreDriver.drain(b).messages().isEmpty(), "inside the lease a start counts as: no answer, no new term");
        assertEquals(2, b.term());
        b.step(new VoteRequest("c", "b", 3, 1, 1, true, false));
        assertTrue(CoreDriver.drain(b).messages().isEmpty(), "nor a pre-vote");
        d.advance(CoreDriver.TICK_NANOS * CoreDriver.CFG.electionTicks());
        b.step(new VoteRequest("c", "b", 3, 1, 1, false, false));
        assertTrue(onlyVoteResponse(CoreDriver.drain(b)).granted(), "an election timeout after the start it votes again");
    }

    // Votes and vote requests count only from members: a removed member or a stranger cannot raise the term of,
    // or win a vote from, a member. A leader's messages are taken from any id (a member may not know it yet).
    @Test
    void voteRequestsFromOutsideTheConfigurationAreIgnored() {
        RaftCore a = bootstrappedNode("a", "a", "b", "c");
        a.step(new VoteRequest("x", "a", 5, a.lastIndex(), a.log().lastTerm(), false, false));
        assertTrue(CoreDriver.drain(a).messages().isEmpty(), "no answer to a stranger whose log is no newer");
        a.step(new VoteRequest("x", "a", 5, 0, 0, true, false));
        assertTrue(CoreDriver.drain(a).messages().isEmpty(), "nor to its pre-vote");
        assertEquals(1, a.term(), "and no new term");
        a.step(new io.tally.raft.message.Heartbeat("d", "a", 2, 0, 0));
        assertEquals(2, a.term(), "a leader unknown to this node's configuration is still followed");
        assertEquals("d", a.leaderId());
    }

    // A node whose configuration is stale (it missed the entries that added a candidate) still answers a candidate
    // whose log is newer than its own: the candidate's configuration may name both and need this vote (thesis §4.1).
    // Without this, seed 13 of KvMembershipScenariosTest's MembershipPartition deadlocked: n1 and n3 in the joint
    // configuration {n2 | n1, n2, n3} needed n2's vote, and n2, still in {n0, n2, n4}, dropped their requests.
    @Test
    void aCandidateOutsideAStaleConfigurationWithANewerLogIsHeard() {
        RaftCore a = bootstrappedNode("a", "a", "b", "c");
        a.step(new VoteRequest("x", "a", 5, a.lastIndex() + 10, a.log().lastTerm() + 1, true, false));
        assertTrue(onlyVoteResponse(CoreDriver.drain(a)).granted(), "its pre-vote is granted");
        assertEquals(1, a.term(), "a pre-vote changes no term");
        a.step(new VoteRequest("x", "a", 5, a.lastIndex() + 10, a.log().lastTerm() + 1, false, false));
        assertTrue(onlyVoteResponse(CoreDriver.drain(a)).granted(), "and its vote");
        assertEquals(5, a.term());
    }
}
