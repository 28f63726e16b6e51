package io.tally.testkit.scenarios;

import io.tally.raft.RaftConfig;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.kv.KvSimCluster;
import io.tally.testkit.kv.SimKvClient;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.LinearizabilityChecker;
import io.tally.testkit.linearizability.Operation;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static io.tally.testkit.scenarios.KvScenarioSupport.checkAppends;
import static io.tally.testkit.scenarios.KvScenarioSupport.currentValue;
import static io.tally.testkit.scenarios.KvScenarioSupport.ownKey;

/**
 * SCENARIOS.md, key/value scenarios (course parts 4A/4B), in the simulator. A round: N clients loop for 5 s
 * of virtual time, each doing 50 % Append(key, "x client n y"), otherwise Get (with random keys, 10 % Put),
 * under the scenario's faults; a client's Get on its own key must return exactly what it predicts. After each
 * round (three per scenario) every client's appends must be present exactly once and in order, and at the
 * end the whole history must be linearizable (the checker in tally-testkit). Seeds: {@code -Dtally.kv.seeds}.
 */
class KvScenariosTest {

    record Faults(int clients, int nodes, boolean unreliable, boolean crash, boolean partitions, boolean snapshots,
                  boolean randomKeys) {
    }

    static void generic(long seed, Faults f) {
        RaftConfig config = f.snapshots() ? Cluster.snapshotConfig() : Cluster.scenarioConfig(true, true);
        List<Operation<KvModel.Input, String>> history = new ArrayList<>();
        KvScenarioSupport.GroupOps ops;
        KvScenarioSupport.Observers observers = new KvScenarioSupport.Observers();
        String watched;
        try (KvSimCluster c = KvSimCluster.create(f.nodes(), seed, config)) {
            c.setUnreliable(f.unreliable());
            RandomGenerator rnd = c.random();
            ops = KvScenarioSupport.GroupOps.forClients(f.clients(), rnd);
            observers.start(c);
            for (int round = 0; round < 3; round++) {
                observers.round(c, round);
                runRound(c, f, round, rnd, history, ops, observers);
                if (f.snapshots()) {
                    for (int i = 0; i < c.size(); i++) {
                        long bytes = c.persistedRaftStateBytes(i);
                        if (bytes > 8 * 4096) {
                            throw fatal("node " + i + " keeps " + bytes + " bytes of Raft state despite snapshots");
                        }
                    }
                }
            }
            c.setUnreliable(false);
            watched = observers.check(c);
        }
        long t0 = System.nanoTime();
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(60));
        System.out.printf("%s seed %d: %d operations (%d with unknown outcome), checked in %d ms; %s%n", f, seed,
                history.size(), history.stream().filter(Operation::outcomeUnknown).count(),
                (System.nanoTime() - t0) / 1_000_000, ops);
        System.out.printf("%s seed %d: %s%n", f, seed, watched);
        if (!r.ok()) {
            throw fatal("history of " + history.size() + " operations is not linearizable:\n" + r.report());
        }
    }

    private static void runRound(KvSimCluster c, Faults f, int round, RandomGenerator rnd,
                                 List<Operation<KvModel.Input, String>> history, KvScenarioSupport.GroupOps ops,
                                 KvScenarioSupport.Observers observers) {
        int n = f.clients();
        SimKvClient[] clients = new SimKvClient[n];
        List<List<String>> appended = new ArrayList<>();
        StringBuilder[] predicted = new StringBuilder[n];
        boolean[] stop = {false};
        for (int i = 0; i < n; i++) {
            clients[i] = observers.observe(new SimKvClient(c, round * 1000 + i, history, true));
            appended.add(new ArrayList<>());
            predicted[i] = new StringBuilder(currentValue(c, ownKey(i), history, round));
        }
        for (int i = 0; i < n; i++) {
            next(clients[i], i, f, rnd, stop, appended.get(i), predicted[i], n, ops);
        }
        if (f.partitions()) {
            KvScenarioSupport.repartitionLater(c, rnd, stop);
        }
        c.sleep(5_000);
        stop[0] = true;
        if (f.partitions()) {
            c.heal();
        }
        c.simulation().runUntil(() -> {
            for (SimKvClient cl : clients) {
                if (cl.busy()) {
                    return false;
                }
            }
            return true;
        }, 30_000);
        for (SimKvClient cl : clients) {
            if (cl.busy()) {
                throw fatal("client " + cl.id() + " could not finish its operation 30 s after the faults ended");
            }
        }
        if (f.crash()) {
            for (int i = 0; i < c.size(); i++) {
                c.crash(i);
            }
            for (int i = 0; i < c.size(); i++) {
                c.start(i);
            }
        }
        // Every client's appends are in its key exactly once, in order.
        if (!f.randomKeys()) {
            for (int i = 0; i < n; i++) {
                String value = currentValue(c, ownKey(i), history, round);
                checkAppends(i, value, appended.get(i));
            }
        }
    }


    /** Virtual time a client waits between operations: keeps histories to thousands of operations per round. */
    private static final long THINK_NANOS = 10_000_000L;

    /** Percent of a client's operations that go to the shared groups ({@link KvScenarioSupport.GroupOps}). */
    static final int GROUP_PERCENT = 20;

    private static void loop(SimKvClient cl, int i, Faults f, RandomGenerator rnd, boolean[] stop, List<String> appended,
                             StringBuilder predicted, int n, KvScenarioSupport.GroupOps ops) {
        if (!stop[0]) {
            cl.simulation().schedule(THINK_NANOS, "client think time", () -> next(cl, i, f, rnd, stop, appended, predicted, n, ops));
        }
    }

    private static void next(SimKvClient cl, int i, Faults f, RandomGenerator rnd, boolean[] stop, List<String> appended,
                             StringBuilder predicted, int n, KvScenarioSupport.GroupOps ops) {
        if (stop[0]) {
            return;
        }
        if (rnd.nextInt(100) < GROUP_PERCENT) {
            ops.next(cl, () -> loop(cl, i, f, rnd, stop, appended, predicted, n, ops));
            return;
        }
        String key = f.randomKeys() ? "k" + rnd.nextInt(n) : ownKey(i);
        int r = rnd.nextInt(1000);
        if (r < 500) {
            String v = "x " + cl.id() + " " + appended.size() + " y";
            cl.append(key, v, () -> {
                if (!f.randomKeys()) {
                    appended.add(v);
                    predicted.append(v);
                }
                loop(cl, i, f, rnd, stop, appended, predicted, n, ops);
            });
        } else if (f.randomKeys() && r < 600) {
            cl.put(key, "p " + cl.id() + " " + r, () -> loop(cl, i, f, rnd, stop, appended, predicted, n, ops));
        } else {
            cl.get(key, value -> {
                if (!f.randomKeys() && !value.equals(predicted.toString())) {
                    // A throw here would be swallowed by the read's future: fail through a simulation event instead.
                    String message = "client " + cl.id() + " read '" + value + "' from its own key, expected '" + predicted + "'";
                    cl.simulation().schedule(0, "own-key check failed", () -> {
                        throw fatal(message);
                    });
                    return;
                }
                loop(cl, i, f, rnd, stop, appended, predicted, n, ops);
            });
        }
    }

    /** Re-draws a random two-way partition every 1 s + 0–200 ms until the round stops. */

    /** Reads a key through a fresh client (its read joins the history). */


    private static Stream<DynamicTest> scenario(String name, Faults f) {
        return Seeds.each(KvScenariosTest.class, name, Seeds.kvCount(), seed -> generic(seed, f));
    }

    // clients, nodes, unreliable, crash, partitions, snapshots, random keys — SCENARIOS.md's table
    @TestFactory Stream<DynamicTest> Basic() { return scenario("Basic", new Faults(1, 5, false, false, false, false, false)); }
    @TestFactory Stream<DynamicTest> Concurrent() { return scenario("Concurrent", new Faults(5, 5, false, false, false, false, false)); }
    @TestFactory Stream<DynamicTest> Unreliable() { return scenario("Unreliable", new Faults(5, 5, true, false, false, false, false)); }
    @TestFactory Stream<DynamicTest> ManyPartitionsOneClient() { return scenario("ManyPartitionsOneClient", new Faults(1, 5, false, false, true, false, false)); }
    @TestFactory Stream<DynamicTest> ManyPartitionsManyClients() { return scenario("ManyPartitionsManyClients", new Faults(5, 5, false, false, true, false, false)); }
    @TestFactory Stream<DynamicTest> PersistOneClient() { return scenario("PersistOneClient", new Faults(1, 5, false, true, false, false, false)); }
    @TestFactory Stream<DynamicTest> PersistConcurrent() { return scenario("PersistConcurrent", new Faults(5, 5, false, true, false, false, false)); }
    @TestFactory Stream<DynamicTest> PersistConcurrentUnreliable() { return scenario("PersistConcurrentUnreliable", new Faults(5, 5, true, true, false, false, false)); }
    @TestFactory Stream<DynamicTest> PersistPartition() { return scenario("PersistPartition", new Faults(5, 5, false, true, true, false, false)); }
    @TestFactory Stream<DynamicTest> PersistPartitionUnreliable() { return scenario("PersistPartitionUnreliable", new Faults(5, 5, true, true, true, false, false)); }
    @TestFactory Stream<DynamicTest> PersistPartitionUnreliableLinearizable() { return scenario("PersistPartitionUnreliableLinearizable", new Faults(15, 7, true, true, true, false, true)); }
    @TestFactory Stream<DynamicTest> SnapshotRecover() { return scenario("SnapshotRecover", new Faults(1, 5, false, true, false, true, false)); }
    @TestFactory Stream<DynamicTest> SnapshotRecoverManyClients() { return scenario("SnapshotRecoverManyClients", new Faults(20, 5, false, true, false, true, false)); }
    @TestFactory Stream<DynamicTest> SnapshotUnreliable() { return scenario("SnapshotUnreliable", new Faults(5, 5, true, false, false, true, false)); }
    @TestFactory Stream<DynamicTest> SnapshotUnreliableRecover() { return scenario("SnapshotUnreliableRecover", new Faults(5, 5, true, true, false, true, false)); }
    @TestFactory Stream<DynamicTest> SnapshotUnreliableRecoverConcurrentPartition() { return scenario("SnapshotUnreliableRecoverConcurrentPartition", new Faults(5, 5, true, true, true, true, false)); }
    @TestFactory Stream<DynamicTest> SnapshotUnreliableRecoverConcurrentPartitionLinearizable() { return scenario("SnapshotUnreliableRecoverConcurrentPartitionLinearizable", new Faults(15, 7, true, true, true, true, true)); }
}
