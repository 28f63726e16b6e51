package io.tally.testkit.scenarios;

import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/** SCENARIOS.md, Election (course 3A), in the simulator, one run per seed. */
class ElectionScenariosTest {

    /** A leader appears, term >= 1; still one leader (and the same term) 2 s later. */
    static void initialElection(Cluster cfg) {
        cfg.checkOneLeader();
        cfg.sleep(50);
        long term1 = cfg.checkTerms();
        if (term1 < 1) {
            throw fatal("term is " + term1 + ", but should be at least 1");
        }
        cfg.sleep(2 * 1000);
        long term2 = cfg.checkTerms();
        if (term1 != term2) {
            System.out.println("warning: term changed even though there were no failures");
        }
        cfg.checkOneLeader();
    }

    /** Leader disconnected: new leader; old one back: still one; leader + one follower gone: none; one back: leader. */
    static void reElection(Cluster cfg) {
        int servers = cfg.size();
        int leader1 = cfg.checkOneLeader();
        cfg.disconnect(leader1);
        cfg.checkOneLeader();
        cfg.connect(leader1);
        int leader2 = cfg.checkOneLeader();
        cfg.disconnect(leader2);
        cfg.disconnect((leader2 + 1) % servers);
        cfg.sleep(2 * 1000);
        cfg.checkNoLeader();
        cfg.connect((leader2 + 1) % servers);
        cfg.checkOneLeader();
        cfg.connect(leader2);
        cfg.checkOneLeader();
    }

    /** Seven nodes; nine rounds of disconnecting three random nodes; one leader each time. */
    static void manyElections(Cluster cfg) {
        int servers = cfg.size();
        cfg.checkOneLeader();
        for (int ii = 1; ii < 10; ii++) {
            int i1 = cfg.random().nextInt(servers);
            int i2 = cfg.random().nextInt(servers);
            int i3 = cfg.random().nextInt(servers);
            cfg.disconnect(i1);
            cfg.disconnect(i2);
            cfg.disconnect(i3);
            cfg.checkOneLeader();
            cfg.connect(i1);
            cfg.connect(i2);
            cfg.connect(i3);
        }
        cfg.checkOneLeader();
    }

    @TestFactory
    Stream<DynamicTest> InitialElection() {
        return Seeds.each(getClass(), "InitialElection", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                initialElection(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> ReElection() {
        return Seeds.each(getClass(), "ReElection", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                reElection(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> ManyElections() {
        return Seeds.each(getClass(), "ManyElections", seed -> {
            try (SimCluster c = SimCluster.create(7, seed)) {
                manyElections(c);
            }
        });
    }
}
