package io.tally.testkit.scenarios;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.SimCluster;
import io.tally.testkit.sim.NodeIncarnation;
import io.tally.testkit.sim.SimTransport;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * Election safety across a crash (Figure 2: votedFor is persistent state). A voter grants its vote in
 * term T, crashes and restarts; a second candidate then asks for its vote in the same term T and must be
 * refused.
 *
 * <p>Why a steered scenario: with PreVote and the vote lease, two candidates of one term are rare, so the
 * random persistence scenarios almost never let a restarted voter meet a second candidate of the term it
 * voted in (see docs/testing.md). Here two scripted candidates on the simulated network do exactly that.
 */
class VoteSurvivesCrashScenarioTest {

    static void voteSurvivesCrash(SimCluster cfg) {
        int leader = cfg.checkOneLeader();
        int voter = (leader + 1) % cfg.size();
        List<VoteResponse> c1Responses = new ArrayList<>();
        List<VoteResponse> c2Responses = new ArrayList<>();
        SimTransport c1 = candidate(cfg, "c1", c1Responses);
        SimTransport c2 = candidate(cfg, "c2", c2Responses);
        String v = Cluster.id(voter);

        // Cut the voter off from the cluster (but not from the candidates) long enough for its leader lease
        // to lapse, so that it considers vote requests at all.
        cfg.network().partition(Set.of(v, "c1", "c2"));
        cfg.sleep(3 * cfg.electionTimeoutMillis());
        long term = cfg.node(voter).term() + 1;
        long lastIndex = cfg.node(voter).lastLogIndex() + 100;

        c1.send(new VoteRequest("c1", v, term, lastIndex, term - 1, false, false));
        if (!cfg.clock().await(() -> !c1Responses.isEmpty(), 1_000) || !c1Responses.get(0).granted()) {
            throw fatal("voter " + v + " should grant c1's vote in term " + term + ", got " + c1Responses);
        }

        cfg.crash(voter);
        cfg.start(voter);
        cfg.connect(voter);
        cfg.network().partition(Set.of(v, "c1", "c2")); // the restarted node is still cut off from the cluster

        c2.send(new VoteRequest("c2", v, term, lastIndex, term - 1, false, false));
        if (!cfg.clock().await(() -> !c2Responses.isEmpty(), 1_000)) {
            throw fatal("voter " + v + " did not answer c2");
        }
        VoteResponse second = c2Responses.get(0);
        if (second.granted()) {
            throw fatal("election safety: " + v + " voted for c1 and, after a restart, for c2 in the same term " + term);
        }
        // The vote it kept is still c1's: a retried request from c1 is granted again.
        c1Responses.clear();
        c1.send(new VoteRequest("c1", v, term, lastIndex, term - 1, false, false));
        if (!cfg.clock().await(() -> !c1Responses.isEmpty(), 1_000) || !c1Responses.get(0).granted()) {
            throw fatal("voter " + v + " should still stand by its vote for c1, got " + c1Responses);
        }
        c1.close();
        c2.close();
        cfg.network().heal();
        cfg.one(io.tally.testkit.harness.Commands.of(1), cfg.size(), true);
    }

    private static SimTransport candidate(SimCluster cfg, String id, List<VoteResponse> responses) {
        SimTransport t = cfg.network().transport(NodeIncarnation.first(id));
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
