package io.tally.testkit.scenarios;

import io.tally.kv.KeyFilter;
import io.tally.raft.RaftConfig;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.kv.KvSimCluster;
import io.tally.testkit.kv.LeaseChecker;
import io.tally.testkit.kv.SimLeaseClient;
import io.tally.testkit.sim.ClockFaults;
import io.tally.testkit.sim.TimerModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Leases under partitions, pauses and clock drift (issue 14), checked by {@link LeaseChecker} with the simulator's
 * knowledge of every node's clock. Five nodes whose clocks drift by up to 98 % of the bound the lease margin covers
 * ({@code CoreConfig.maxClockDriftRate()}); five lease clients ({@link SimLeaseClient}) for 20 s of virtual time,
 * each holding one lease after another (TTL 2–6 s, 2–10 s in LeaseClockDrift), attaching one to three keys, keeping it alive
 * every TTL/3 on whichever node leads, then revoking it (a quarter of them) or letting it expire. Two watchers follow
 * the leased keys and every key, across the faults.
 *
 * <ul>
 *   <li><b>LeasePartition</b>: every 1–2 s the leader is cut off alone, or the nodes are split in two at random, for
 *       0.5–3 s.</li>
 *   <li><b>LeasePause</b>: every 1–2 s the leader is paused for 0.3–3 s; and one keep-alive in six sent to a node
 *       pauses that node 0–3 ms later for 0.6–1.3 s — inside the keep-alive's ReadIndex round, long enough for the
 *       others to elect a leader, short enough for the client to still be waiting. A client whose keep-alive was
 *       acknowledged by a node paused meanwhile stops there half the time, so that this acknowledgement is the one the
 *       TTL rule is measured from.</li>
 *   <li><b>LeaseClockDrift</b>: one acknowledged keep-alive in five is the client's last, and the node that
 *       acknowledged it is crashed (restarted 0.3–1 s later) or cut off (for 0.5–3 s) at once, so that a new leader
 *       counts the TTL on its own clock, which may run fast while the acknowledging leader's ran slow; now and then
 *       (every 3–6 s on average) the leader also hands leadership to another node.</li>
 * </ul>
 *
 * The checks ({@link LeaseChecker}): a lease never expires earlier than its TTL after its last acknowledged keep-alive
 * as measured by the leader that acknowledged it; only the current leader acknowledges; nothing is acknowledged after
 * the end; every lease's keys all go at its one end revision (on every node: every view every node published is the
 * log's) and at no other; every lease left alone ends. Plus {@link io.tally.testkit.kv.WatchChecker}: the watchers saw
 * every lease's deletes, at that revision. Seeds: {@code -Dtally.watch.seeds}.
 *
 * <p>Control runs: a lessor whose clock runs 50 % fast, and one whose clock jumps 10 s forward (as a wall clock
 * stepped by NTP), must each be caught by the TTL rule on every one of {@value #CONTROL_SEEDS} seeds.
 */
class LeaseScenariosTest {

    /** NONE: drifting clocks only (the control runs). */
    enum Fault { NONE, PARTITION, PAUSE, CLOCK_DRIFT }

    static final int NODES = 5;
    static final int CLIENTS = 5;
    static final long RUN_MILLIS = 20_000;
    static final int CONTROL_SEEDS = 5;

    private static RaftConfig config() {
        return Cluster.scenarioConfig(true, true);
    }

    private static ClockFaults clocks() {
        return new ClockFaults(config().core().maxClockDriftRate() * 0.98, new TimerModel(1_000_000, 0.02, 30_000_000), false);
    }

    static String run(long seed, Fault fault, KvSimCluster.Setup setup) {
        KvScenarioSupport.Observers observers = new KvScenarioSupport.Observers();
        String leases;
        String watched;
        List<SimLeaseClient> clients = new ArrayList<>();
        int[] faults = new int[4];
        try (KvSimCluster c = KvSimCluster.create(NODES, seed, config(), setup.clocks(clocks()))) {
            RandomGenerator rnd = c.random();
            LeaseChecker checker = new LeaseChecker(c);
            observers.watch(c, "leased keys", KeyFilter.prefix("L"), 1, true, false);
            observers.watch(c, "all", KeyFilter.prefix(""), 1, false, true);
            long maxTtl = fault == Fault.CLOCK_DRIFT ? 10_000 : 6_000;
            for (int i = 0; i < CLIENTS; i++) {
                SimLeaseClient client = new SimLeaseClient(c, i, checker, 2_000, maxTtl);
                steer(c, fault, rnd, client, faults);
                clients.add(client.start());
            }
            boolean[] stop = {false};
            faultLater(c, fault, rnd, stop, faults);
            c.sleep(RUN_MILLIS);
            stop[0] = true;
            clients.forEach(SimLeaseClient::stop);
            c.heal();
            for (int i = 0; i < NODES; i++) {
                if (!c.isUp(i)) {
                    c.start(i);
                }
            }
            if (!c.simulation().runUntil(() -> clients.stream().allMatch(SimLeaseClient::idle), 60_000)) {
                throw fatal("the lease clients' last leases did not end within 60 s: " + clients + "; " + c.describe());
            }
            watched = observers.check(c);
            leases = checker.checkAtEnd(3_000);
        }
        StringBuilder b = new StringBuilder(String.format("%s seed %d: %d crashes, %d partitions, %d pauses, %d transfers; %s; %s",
                fault, seed, faults[0], faults[1], faults[2], faults[3], leases, watched));
        clients.forEach(cl -> b.append("\n    ").append(cl));
        return b.toString();
    }

    /** The scenario's steering of one client's keep-alives. */
    private static void steer(KvSimCluster c, Fault fault, RandomGenerator rnd, SimLeaseClient client, int[] faults) {
        if (fault == Fault.PAUSE) {
            long[] sentAt = new long[NODES];
            client.onKeepAliveSent(node -> {
                sentAt[node] = c.simulation().nowNanos();
                if (rnd.nextInt(6) == 0) {
                    c.simulation().schedule(rnd.nextInt(3_000_001), "pause inside a keep-alive", () -> {
                        if (c.isUp(node)) {
                            faults[2]++;
                            c.pause(node, 600 + rnd.nextInt(701));
                        }
                    });
                }
            });
            client.stopAfter(a -> c.pausedUntilNanos(a.node()) > sentAt[a.node()]);
        } else if (fault == Fault.CLOCK_DRIFT) {
            client.stopAfter(a -> {
                if (rnd.nextInt(5) != 0) {
                    return false;
                }
                c.simulation().schedule(0, "the acknowledging leader goes", () -> {
                    if (!c.isUp(a.node())) {
                        return;
                    }
                    if (rnd.nextBoolean()) {
                        faults[0]++;
                        c.crash(a.node());
                        restartLater(c, a.node(), rnd);
                    } else {
                        faults[1]++;
                        isolate(c, a.node());
                        c.simulation().schedule((500 + rnd.nextInt(2_501)) * 1_000_000L, "heal", c::heal);
                    }
                });
                return true;
            });
        }
    }

    private static void isolate(KvSimCluster c, int node) {
        int[] rest = new int[NODES - 1];
        for (int i = 0, k = 0; i < NODES; i++) {
            if (i != node) {
                rest[k++] = i;
            }
        }
        c.partition(new int[] {node}, rest);
    }

    private static void restartLater(KvSimCluster c, int node, RandomGenerator rnd) {
        c.simulation().schedule((300 + rnd.nextInt(701)) * 1_000_000L, "restart", () -> {
            if (!c.isUp(node)) {
                c.start(node);
            }
        });
    }

    /** Every 1–2 s until the run stops: the scenario's fault. */
    private static void faultLater(KvSimCluster c, Fault fault, RandomGenerator rnd, boolean[] stop, int[] counts) {
        c.simulation().schedule((1_000 + rnd.nextInt(1_001)) * 1_000_000L, "fault", () -> {
            if (stop[0]) {
                return;
            }
            int leader = c.currentLeader();
            switch (fault) {
                case NONE -> { }
                case PARTITION -> {
                    counts[1]++;
                    if (leader >= 0 && rnd.nextBoolean()) {
                        isolate(c, leader);
                    } else {
                        List<Integer> a = new ArrayList<>();
                        List<Integer> b = new ArrayList<>();
                        for (int i = 0; i < NODES; i++) {
                            (rnd.nextBoolean() ? a : b).add(i);
                        }
                        c.partition(a.stream().mapToInt(Integer::intValue).toArray(), b.stream().mapToInt(Integer::intValue).toArray());
                    }
                    c.simulation().schedule((500 + rnd.nextInt(2_501)) * 1_000_000L, "heal", c::heal);
                }
                case PAUSE -> {
                    if (leader >= 0 && rnd.nextInt(3) == 0) {
                        counts[2]++;
                        c.pause(leader, 300 + rnd.nextInt(2_701));
                    }
                }
                case CLOCK_DRIFT -> {
                    // Rarely (the steered crashes change leaders too, and every change restarts every lease's TTL).
                    if (leader >= 0 && rnd.nextInt(3) == 0) {
                        counts[3]++;
                        int to = (leader + 1 + rnd.nextInt(NODES - 1)) % NODES;
                        if (c.isUp(to)) {
                            c.service(leader).node().transferLeadership(KvSimCluster.id(to));
                        }
                    }
                }
            }
            faultLater(c, fault, rnd, stop, counts);
        });
    }

    private static Stream<DynamicTest> scenario(String name, Fault fault) {
        return Seeds.each(LeaseScenariosTest.class, name, Seeds.watchCount(),
                seed -> System.out.println(run(seed, fault, new KvSimCluster.Setup())));
    }

    @TestFactory Stream<DynamicTest> LeasePartition() { return scenario("LeasePartition", Fault.PARTITION); }
    @TestFactory Stream<DynamicTest> LeasePause() { return scenario("LeasePause", Fault.PAUSE); }
    @TestFactory Stream<DynamicTest> LeaseClockDrift() { return scenario("LeaseClockDrift", Fault.CLOCK_DRIFT); }

    /** A control run: a broken lessor clock must be caught by the TTL rule on every seed. */
    private static void controlCatches(String what, java.util.function.Supplier<KvSimCluster.Setup> setup) {
        List<Long> caught = new ArrayList<>();
        for (long seed = Seeds.start(); seed < Seeds.start() + CONTROL_SEEDS; seed++) {
            try {
                run(seed, Fault.NONE, setup.get());
            } catch (AssertionError | RuntimeException e) {
                String m = String.valueOf(e.getMessage());
                if (!m.contains("LEASE RULE BROKEN")) {
                    throw new AssertionError(what + " control run failed for another reason on seed " + seed, e);
                }
                caught.add(seed);
                System.out.println(what + " control, seed " + seed + ": " + m.lines().findFirst().orElse(""));
            }
        }
        System.out.println(what + " control run: caught on " + caught.size() + " of " + CONTROL_SEEDS + " seeds " + caught);
        assertEquals(CONTROL_SEEDS, caught.size(), what + ": the lease checker missed the broken lessor on some seeds");
    }

    @Test void LeaseLessorClockFastControl() {
        controlCatches("lessor clock 50 % fast", () -> new KvSimCluster.Setup().serviceClockSkew(0.5));
    }

    @Test void LeaseLessorClockJumpControl() {
        controlCatches("lessor clock jumps 10 s", () -> new KvSimCluster.Setup().serviceClockJump(5_000, 10_000));
    }
}
