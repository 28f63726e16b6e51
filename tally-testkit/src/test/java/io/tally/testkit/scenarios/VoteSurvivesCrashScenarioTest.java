package io.tally.testkit.scenarios;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.SimCluster;
import io.tally.testkit.sim.SimTransport;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * Election safety across a crash (Figure 2: votedFor is persistent state). A voter grants its vote in
 * term T, crashes and restarts; a second candidate then asks for its vote in the same term T and must be
 * refused. The candidates are scripted endpoints speaking for the voter's two fellow members, which are down.
 *
 * <p>Why a steered scenario: with PreVote and the vote lease, two candidates of one term are rare, so the
 * random persistence scenarios almost never let a restarted voter meet a second candidate of the term it
 * voted in (see docs/testing.md). Here two scripted candidates on the simulated network do exactly that.
 */
class VoteSurvivesCrashScenarioTest {

    static void voteSurvivesCrash(SimCluster cfg) {
        int leader = cfg.checkOneLeader();
        int voter = (leader + 1) % cfg.size();
        int third = (leader + 2) % cfg.size();
        String v = Cluster.id(voter);
        // The two candidates speak for the voter's fellow members (a member ignores vote requests from strangers):
        // the real nodes are down, and scripted endpoints take their ids for as long as the scenario needs them.
        cfg.crash(leader);
        cfg.crash(third);
        cfg.connect(leader); // the ids' network links: the scripted endpoints use them
        cfg.connect(third);
        List<VoteResponse> c1Responses = new ArrayList<>();
        List<VoteResponse> c2Responses = new ArrayList<>();
        SimTransport c1 = candidate(cfg, leader, c1Responses);
        SimTransport c2 = candidate(cfg, third, c2Responses);
        String id1 = Cluster.id(leader);
        String id2 = Cluster.id(third);

        // Long enough for the voter's leader lease to lapse, so that it considers vote requests at all.
        cfg.sleep(3 * cfg.electionTimeoutMillis());
        long term = cfg.node(voter).term() + 1;
        long lastIndex = cfg.node(voter).lastLogIndex() + 100;

        c1.send(new VoteRequest(id1, v, term, lastIndex, term - 1, false, false));
        if (!cfg.clock().await(() -> !c1Responses.isEmpty(), 1_000) || !c1Responses.get(0).granted()) {
            throw fatal("voter " + v + " should grant " + id1 + "'s vote in term " + term + ", got " + c1Responses);
        }

        cfg.crash(voter);
        cfg.start(voter);
        cfg.connect(voter);
        // A restarted node grants no vote for an election timeout after it starts; then it decides.
        cfg.sleep(2 * cfg.electionTimeoutMillis());

        c2.send(new VoteRequest(id2, v, term, lastIndex, term - 1, false, false));
        if (!cfg.clock().await(() -> !c2Responses.isEmpty(), 1_000)) {
            throw fatal("voter " + v + " did not answer " + id2);
        }
        VoteResponse second = c2Responses.get(0);
        if (second.granted()) {
            throw fatal("election safety: " + v + " voted for " + id1 + " and, after a restart, for " + id2
                    + " in the same term " + term);
        }
        // The vote it kept is still the first candidate's: a retried request from it is granted again.
        c1Responses.clear();
        c1.send(new VoteRequest(id1, v, term, lastIndex, term - 1, false, false));
        if (!cfg.clock().await(() -> !c1Responses.isEmpty(), 1_000) || !c1Responses.get(0).granted()) {
            throw fatal("voter " + v + " should still stand by its vote for " + id1 + ", got " + c1Responses);
        }
        c1.close();
        c2.close();
        cfg.start(leader);
        cfg.connect(leader);
        cfg.start(third);
        cfg.connect(third);
        cfg.one(io.tally.testkit.harness.Commands.of(1), cfg.size(), true);
    }

    /** A scripted endpoint speaking as node {@code i} (down meanwhile): it collects the vote responses sent to it. */
    private static SimTransport candidate(SimCluster cfg, int i, List<VoteResponse> responses) {
        SimTransport t = cfg.network().transport(cfg.nextIncarnation(i));
        t.start((RaftMessage m) -> {
            if (m instanceof VoteResponse r && !r.preVote()) {
                responses.add(r);
            }
        });
        return t;
    }

    @TestFactory
    Stream<DynamicTest> VoteSurvivesCrash() {
        return Seeds.each(getClass(), "VoteSurvivesCrash", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                voteSurvivesCrash(c);
            }
        });
    }
}
