package io.tally.testkit.scenarios;

import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.RealTimeCluster;

import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

/**
 * The election and agreement scenarios once more, in real time: real threads ({@code ThreadRuntime}), the
 * in-memory network, the wall clock. This exercises the production wiring that the simulator replaces.
 * Waits poll for their condition with a deadline; the only sleeps are the scenarios' own pauses.
 */
class RealTimeScenariosTest {

    private static void run(String scenario, int nodes, Consumer<Cluster> body) {
        long seed = Seeds.start();
        System.out.println("real-time " + scenario + " with seed " + seed);
        try (RealTimeCluster c = RealTimeCluster.create(nodes, seed)) {
            body.accept(c);
        }
    }

    @Test
    void InitialElection() {
        run("InitialElection", 3, ElectionScenariosTest::initialElection);
    }

    @Test
    void ReElection() {
        run("ReElection", 3, ElectionScenariosTest::reElection);
    }

    @Test
    void ManyElections() {
        run("ManyElections", 7, ElectionScenariosTest::manyElections);
    }

    @Test
    void BasicAgree() {
        run("BasicAgree", 3, AgreementScenariosTest::basicAgree);
    }

    @Test
    void RPCBytes() {
        run("RPCBytes", 3, AgreementScenariosTest::rpcBytes);
    }

    @Test
    void FollowerFailure() {
        run("FollowerFailure", 3, AgreementScenariosTest::followerFailure);
    }

    @Test
    void LeaderFailure() {
        run("LeaderFailure", 3, AgreementScenariosTest::leaderFailure);
    }

    @Test
    void FailAgree() {
        run("FailAgree", 3, AgreementScenariosTest::failAgree);
    }

    @Test
    void FailNoAgree() {
        run("FailNoAgree", 5, AgreementScenariosTest::failNoAgree);
    }

    @Test
    void ConcurrentStarts() {
        run("ConcurrentStarts", 3, AgreementScenariosTest::concurrentStarts);
    }

    @Test
    void Rejoin() {
        run("Rejoin", 3, AgreementScenariosTest::rejoin);
    }

    @Test
    void Backup() {
        run("Backup", 5, AgreementScenariosTest::backup);
    }

    @Test
    void Count() {
        run("Count", 3, AgreementScenariosTest::count);
    }
}
