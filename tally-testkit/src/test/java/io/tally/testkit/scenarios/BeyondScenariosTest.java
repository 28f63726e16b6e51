package io.tally.testkit.scenarios;

import io.tally.raft.LeadershipLostException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftState;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * SCENARIOS.md, Beyond the course: PreVote, CheckQuorum and the partial partition (Bridge). Each scenario
 * also runs a control with the mechanism switched off and asserts that the fault then does what the
 * mechanism exists to prevent, so the scenario demonstrably exercises it.
 */
class BeyondScenariosTest {

    /** A node partitioned alone and rejoining does not disrupt a healthy leader: its term does not propagate. */
    static void preVote(SimCluster cfg) {
        int leader = cfg.checkOneLeader();
        cfg.one(Commands.of(1), cfg.size(), true);
        long term = cfg.checkTerms();
        int loner = (leader + 1) % cfg.size();
        cfg.disconnect(loner);
        cfg.sleep(5_000); // many election timeouts alone
        if (cfg.node(loner).term() != term) {
            throw fatal("isolated node raised its term from " + term + " to " + cfg.node(loner).term() + " despite PreVote");
        }
        cfg.connect(loner);
        cfg.sleep(2_000);
        if (cfg.node(leader).state() != RaftState.LEADER || cfg.checkTerms() != term) {
            throw fatal("the rejoining node disrupted the leader: leader " + leader + " is " + cfg.node(leader).state()
                    + ", term " + cfg.checkTerms() + " (was " + term + ")");
        }
        cfg.one(Commands.of(2), cfg.size(), true);
    }

    /** Control for {@link #preVote}: without PreVote the isolated node's term does climb. */
    static void isolatedNodeRaisesItsTermWithoutPreVote(SimCluster cfg) {
        int leader = cfg.checkOneLeader();
        long term = cfg.checkTerms();
        int loner = (leader + 1) % cfg.size();
        cfg.disconnect(loner);
        cfg.sleep(5_000);
        if (cfg.node(loner).term() <= term) {
            throw fatal("control failed: without PreVote the isolated node should have raised its term");
        }
    }

    /**
     * A leader that cannot reach a majority for an election timeout steps down and serves nothing; the
     * majority elects a new leader and makes progress.
     */
    static void checkQuorum(SimCluster cfg) {
        int leader = cfg.checkOneLeader();
        cfg.one(Commands.of(10), cfg.size(), true);
        long term = cfg.node(leader).term();
        // Cut the leader off from everyone, but leave it running and believing in itself.
        int[] others = new int[cfg.size() - 1];
        for (int i = 0, k = 0; i < cfg.size(); i++) {
            if (i != leader) {
                others[k++] = i;
            }
        }
        cfg.partition(new int[] {leader}, others);
        CompletableFuture<Long> stranded = cfg.node(leader).apply(Commands.of(11));
        // CheckQuorum runs once per (minimum) election timeout: within two of them the leader must step down.
        long maxStepDown = 2 * cfg.electionTimeoutMillis() + 100;
        if (!cfg.clock().await(() -> cfg.node(leader).state() != RaftState.LEADER, maxStepDown)) {
            throw fatal("isolated leader still leads after " + maxStepDown + " ms");
        }
        if (cfg.node(leader).term() != term && cfg.node(leader).state() == RaftState.LEADER) {
            throw fatal("isolated node became leader again");
        }
        cfg.await(stranded.handle((v, e) -> {
            if (e == null) {
                throw fatal("an isolated leader applied a command: " + v);
            }
            if (!(e instanceof LeadershipLostException)) {
                throw fatal("expected LeadershipLostException for the stranded proposal, got " + e);
            }
            return null;
        }), 1_000, "stranded proposal");
        CompletableFuture<Long> refused = cfg.node(leader).apply(Commands.of(12));
        cfg.await(refused.handle((v, e) -> {
            if (!(e instanceof NotLeaderException)) {
                throw fatal("a deposed leader must refuse proposals with NotLeaderException, got " + (e == null ? v : e));
            }
            return null;
        }), 1_000, "refused proposal");
        int newLeader = cfg.checkOneLeader();
        if (newLeader == leader) {
            throw fatal("the isolated node is leader again");
        }
        cfg.one(Commands.of(13), cfg.size() - 1, true);
        cfg.heal();
        cfg.one(Commands.of(14), cfg.size(), true);
    }

    /** Control for {@link #checkQuorum}: without CheckQuorum an isolated leader keeps believing it leads. */
    static void isolatedLeaderKeepsLeadingWithoutCheckQuorum(SimCluster cfg) {
        int leader = cfg.checkOneLeader();
        cfg.disconnect(leader);
        cfg.sleep(3_000);
        if (cfg.node(leader).state() != RaftState.LEADER) {
            throw fatal("control failed: without CheckQuorum the isolated leader should still think it leads");
        }
    }

    /**
     * Partial partition: the old leader can reach only one node (the bridge); the bridge reaches everyone.
     * The connected majority elects a leader and makes progress.
     */
    static void bridge(SimCluster cfg) {
        int n = cfg.size();
        int leader = cfg.checkOneLeader();
        cfg.one(Commands.of(20), n, true);
        long term = cfg.node(leader).term();
        int bridge = (leader + 1) % n;
        for (int i = 0; i < n; i++) {
            if (i != leader && i != bridge) {
                cfg.blockLink(leader, i);
                cfg.blockLink(i, leader);
            }
        }
        long t0 = cfg.clock().nowMillis();
        boolean elected = cfg.clock().await(() -> {
            for (int i = 0; i < n; i++) {
                if (i != leader && cfg.node(i).state() == RaftState.LEADER && cfg.node(i).term() > term) {
                    return true;
                }
            }
            return false;
        }, 10_000);
        if (!elected) {
            throw fatal("the majority did not elect a new leader within 10 s of the partial partition");
        }
        System.out.println("Bridge: new leader after " + (cfg.clock().nowMillis() - t0) + " ms");
        for (int k = 0; k < 5; k++) {
            cfg.one(Commands.of(21 + k), n - 1, true);
        }
        cfg.heal();
        cfg.one(Commands.of(30), n, true);
    }

    @TestFactory
    Stream<DynamicTest> PreVote() {
        return Seeds.each(getClass(), "PreVote", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                preVote(c);
            }
            try (SimCluster c = SimCluster.create(5, seed, Cluster.scenarioConfig(false, true), false)) {
                isolatedNodeRaisesItsTermWithoutPreVote(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> CheckQuorum() {
        return Seeds.each(getClass(), "CheckQuorum", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                checkQuorum(c);
            }
            try (SimCluster c = SimCluster.create(3, seed, Cluster.scenarioConfig(true, false), false)) {
                isolatedLeaderKeepsLeadingWithoutCheckQuorum(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Bridge() {
        return Seeds.each(getClass(), "Bridge", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                bridge(c);
            }
        });
    }
}
