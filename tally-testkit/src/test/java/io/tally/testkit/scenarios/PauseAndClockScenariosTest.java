package io.tally.testkit.scenarios;

import io.tally.kv.Consistency;
import io.tally.kv.KvService;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.Safeguard;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.kv.KvSimCluster;
import io.tally.testkit.kv.SimKvClient;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.LinearizabilityChecker;
import io.tally.testkit.linearizability.Operation;
import io.tally.testkit.sim.ClockFaults;
import io.tally.testkit.sim.TimerModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * SCENARIOS.md, Beyond the course, "Pauses and clocks": LeaseReadAfterPause, LeaseReadUnderTimerLateness and
 * VoteAfterRestart. Key/value clients read with {@code consistency=lease} from a leader that is frozen, whose timers
 * fire late, or whose lease a restarted follower might undercut, while other clients overwrite the key through a new
 * leader; every node's clock drifts within {@code CoreConfig.maxClockDriftRate()}. The whole history must be
 * linearizable: no lease read returns a value older than one a new leader acknowledged.
 *
 * <p>Each scenario has a control run that switches the protection off and shows that the scenario then fails: the
 * lease scenarios give every node the {@link io.tally.testkit.sim.ClockModel#timerDriven() timer-driven} clock (what
 * counting the lease in ticks amounts to: blind to pauses and late timers), VoteAfterRestart starts the nodes without
 * {@link Safeguard#START_VOTE_LEASE}. Seeds: {@code -Dtally.seeds}; the control runs use a fixed range of their own.
 */
class PauseAndClockScenariosTest {

    /** Seeds a control run tries; it must catch the fault on at least one of them. */
    static final int CONTROL_SEEDS = 30;

    private static RaftConfig config() {
        return Cluster.scenarioConfig(true, true);
    }

    /** Every node's clock drifts by up to (just under) the bound the lease margin covers; timers jitter a little. */
    private static ClockFaults clocks(boolean control) {
        ClockFaults f = new ClockFaults(config().core().maxClockDriftRate() * 0.98,
                new TimerModel(1_000_000, 0.02, 30_000_000), false);
        return control ? f.withTimerDrivenClocks() : f;
    }

    /**
     * Clients that keep reading or writing one key until stopped; each client does one operation at a time. A
     * client stuck on a node that cannot answer stays stuck in its operation, so {@link #freshReaders} also starts a
     * new reader every few milliseconds: reads that <em>begin</em> after a write was acknowledged are the ones
     * that must see it.
     */
    private static final class Load {
        private final KvSimCluster c;
        private final RandomGenerator rnd;
        private final List<Operation<KvModel.Input, String>> history;
        private boolean stopped;
        private int writes;
        private int nextClient = 100;

        Load(KvSimCluster c, List<Operation<KvModel.Input, String>> history) {
            this.c = c;
            this.rnd = c.random();
            this.history = history;
        }

        /**
         * Every 20–60 ms a one-shot lease read of node {@code node}, straight from its service: recorded in the history
         * (invoked when issued, answered when its future completes) if it succeeds; a read that fails has no effect
         * and is left out. Fresh invocations after a write was acknowledged are what a stale lease would betray.
         */
        void freshReaders(int node) {
            if (stopped) {
                return;
            }
            KvService s = c.service(node);
            if (s != null) {
                int id = nextClient++;
                long invoked = c.simulation().nowNanos();
                s.get("k", Consistency.LEASE, Duration.ofMillis(500)).whenComplete((v, e) -> {
                    if (e == null && !stopped) {
                        String value = v.map(x -> new String(x.value(), StandardCharsets.UTF_8)).orElse("");
                        history.add(new Operation<>(id, KvModel.Input.get("k"), value, invoked, c.simulation().nowNanos()));
                    }
                });
            }
            c.simulation().schedule(20_000_000L + rnd.nextLong(40_000_000L), "next reader", () -> freshReaders(node));
        }

        void leaseReads(SimKvClient client) {
            if (!stopped) {
                client.get("k", Consistency.LEASE, v -> c.simulation().schedule(rnd.nextLong(10_000_000), "next read",
                        () -> leaseReads(client)));
            }
        }

        void writes(SimKvClient client) {
            if (!stopped) {
                String value = "w" + client.id() + "-" + (++writes);
                client.put("k", value, () -> c.simulation().schedule(rnd.nextLong(20_000_000), "next write",
                        () -> writes(client)));
            }
        }

        void stop(SimKvClient... more) {
            stopped = true;
            for (SimKvClient cl : more) {
                cl.abandon();
            }
        }
    }

    private static void put(KvSimCluster c, SimKvClient cl, String key, String value) {
        boolean[] done = {false};
        cl.put(key, value, () -> done[0] = true);
        c.simulation().runUntil(() -> done[0], 30_000);
        if (!done[0]) {
            throw fatal("put(" + key + ") did not complete within 30 s");
        }
    }

    /**
     * Checks the history: first a direct search for a stale read, exact here because the scenarios' puts never
     * overlap (one writer at a time), then the linearizability checker over everything. A read is stale when a put
     * of another value had been acknowledged before the read was issued and every put of the value it returned was
     * issued before that acknowledged put (so its value was already overwritten). The direct search names the read
     * at once where the general checker would have to exhaust every order to prove the same.
     */
    private static void checkLinearizable(List<Operation<KvModel.Input, String>> history) {
        List<Operation<KvModel.Input, String>> puts = history.stream()
                .filter(o -> o.input().kind() == KvModel.Kind.PUT).sorted(java.util.Comparator.comparingLong(Operation::callTime)).toList();
        for (int i = 1; i < puts.size(); i++) {
            if (puts.get(i).callTime() < puts.get(i - 1).returnTime()) {
                throw new IllegalStateException("the stale-read search needs puts that never overlap: " + puts.get(i - 1) + ", " + puts.get(i));
            }
        }
        for (Operation<KvModel.Input, String> read : history) {
            if (read.input().kind() != KvModel.Kind.GET || read.outcomeUnknown()) {
                continue;
            }
            Operation<KvModel.Input, String> newestAcked = null;
            for (Operation<KvModel.Input, String> p : puts) {
                if (!p.outcomeUnknown() && p.returnTime() < read.callTime()) {
                    newestAcked = p;
                }
            }
            if (newestAcked == null || newestAcked.input().value().equals(read.output())) {
                continue;
            }
            long overwrittenAt = newestAcked.callTime();
            boolean possible = puts.stream().anyMatch(p -> p.input().value().equals(read.output()) && p.callTime() >= overwrittenAt);
            if (!possible) {
                throw fatal("NOT_LINEARIZABLE: stale read: client " + read.client() + " read '" + read.output() + "' at "
                        + read.callTime() / 1_000_000 + "-" + read.returnTime() / 1_000_000 + " ms, after '"
                        + newestAcked.input().value() + "' was acknowledged at " + newestAcked.returnTime() / 1_000_000 + " ms");
            }
        }
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(60));
        if (!r.ok()) {
            throw fatal(r.verdict() + ":\n" + r.report());
        }
    }

    private static int[] allBut(int n, int... excluded) {
        List<Integer> rest = new ArrayList<>();
        outer:
        for (int i = 0; i < n; i++) {
            for (int x : excluded) {
                if (x == i) {
                    continue outer;
                }
            }
            rest.add(i);
        }
        return rest.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * LeaseReadAfterPause: the leader holds a lease; it is cut off from its peers and frozen (GC, SIGSTOP) for 1.5–4 s.
     * Meanwhile the others elect a leader and overwrite the key. A client that can reach only the old leader keeps
     * asking it for lease reads; they queue during the pause and are decided when it resumes, still cut off.
     */
    static void leaseReadAfterPause(long seed, boolean control) {
        List<Operation<KvModel.Input, String>> history = new ArrayList<>();
        try (KvSimCluster c = KvSimCluster.create(3, seed, config(), new KvSimCluster.Setup().clocks(clocks(control)))) {
            RandomGenerator rnd = c.random();
            put(c, new SimKvClient(c, 0, history, true), "k", "v0");
            int old = c.awaitLeader(10_000);
            c.sleep(150 + rnd.nextInt(300)); // heartbeat rounds acknowledged: the lease holds
            int[] others = allBut(3, old);
            Load load = new Load(c, history);
            SimKvClient reader = new SimKvClient(c, 1, history, true, new int[] {old});
            SimKvClient writer = new SimKvClient(c, 2, history, true, others);
            SimKvClient anyReader = new SimKvClient(c, 3, history, true);
            c.partition(new int[] {old}, others);
            long pause = 1_500 + rnd.nextInt(2_500);
            c.pause(old, pause);
            load.leaseReads(reader);
            load.freshReaders(old);
            load.leaseReads(anyReader);
            awaitLeaderAmong(c, others);
            load.writes(writer); // once the new leader is known, so that no write waits on the frozen one
            c.sleep(pause + 500 + rnd.nextInt(1_500));
            c.heal();
            c.sleep(3_000);
            load.stop(reader, writer, anyReader);
        }
        checkLinearizable(history);
    }

    /**
     * LeaseReadUnderTimerLateness: the leader's timers fire late (a third of them by up to 150 ms: a starved timer
     * thread), so its ticks run slow; it is then cut off from its peers for 2–4 s while a client keeps asking it for
     * lease reads and others write through the rest of the cluster.
     */
    static void leaseReadUnderTimerLateness(long seed, boolean control) {
        List<Operation<KvModel.Input, String>> history = new ArrayList<>();
        int late = 0;
        KvSimCluster.Setup setup = new KvSimCluster.Setup().clocks(clocks(control))
                .timers(late, new TimerModel(2_000_000, 0.3, 150_000_000));
        try (KvSimCluster c = KvSimCluster.create(3, seed, config(), setup)) {
            RandomGenerator rnd = c.random();
            put(c, new SimKvClient(c, 0, history, true), "k", "v0");
            leadOn(c, late);
            int[] others = allBut(3, late);
            Load load = new Load(c, history);
            SimKvClient reader = new SimKvClient(c, 1, history, true, new int[] {late});
            SimKvClient writer = new SimKvClient(c, 2, history, true, others);
            load.leaseReads(reader);
            load.freshReaders(late);
            c.sleep(rnd.nextInt(500));
            c.partition(new int[] {late}, others);
            awaitLeaderAmong(c, others);
            load.writes(writer);
            c.sleep(1_000 + rnd.nextInt(2_000));
            c.heal();
            c.sleep(3_000);
            load.stop(reader, writer);
        }
        checkLinearizable(history);
    }

    /** Runs the simulation until one of {@code nodes} leads (a new leader on the majority side). */
    private static void awaitLeaderAmong(KvSimCluster c, int[] nodes) {
        c.simulation().runUntil(() -> {
            for (int i : nodes) {
                if (c.isUp(i) && c.service(i).node().state() == RaftState.LEADER) {
                    return true;
                }
            }
            return false;
        }, 10_000);
    }

    /** Waits until node {@code i} leads, moving leadership to it if another node leads. */
    private static void leadOn(KvSimCluster c, int i) {
        for (int attempt = 0; attempt < 20; attempt++) {
            int leader = c.awaitLeader(10_000);
            if (leader == i) {
                return;
            }
            c.service(leader).node().transferLeadership(KvSimCluster.id(i));
            c.simulation().runUntil(() -> c.service(i).node().state() == RaftState.LEADER, 2_000);
        }
        throw fatal("node " + i + " never became leader");
    }

    /**
     * VoteAfterRestart: leader A, followers B and D. The link A–D is cut: D campaigns, but B, in contact with A,
     * refuses. Then A is cut off from B too, and B is restarted at once. A still holds its lease on B's last
     * acknowledgement; a client keeps asking A for lease reads while another writes through B and D. If B voted as
     * soon as it restarted, D would be elected and acknowledge writes while A's lease still holds.
     */
    static void voteAfterRestart(long seed, boolean control) {
        List<Operation<KvModel.Input, String>> history = new ArrayList<>();
        KvSimCluster.Setup setup = new KvSimCluster.Setup().clocks(clocks(false));
        if (control) {
            setup.withoutSafeguard(Safeguard.START_VOTE_LEASE);
        }
        try (KvSimCluster c = KvSimCluster.create(3, seed, config(), setup)) {
            RandomGenerator rnd = c.random();
            put(c, new SimKvClient(c, 0, history, true), "k", "v0");
            int a = c.awaitLeader(10_000);
            int b = (a + 1) % 3;
            int d = (a + 2) % 3;
            c.sleep(300); // every node holds v0: D's log is as up to date as B's
            c.cut(a, d);
            c.sleep(600 + rnd.nextInt(1_000)); // D campaigns now and then; B refuses it
            Load load = new Load(c, history);
            SimKvClient reader = new SimKvClient(c, 1, history, true, new int[] {a});
            SimKvClient writer = new SimKvClient(c, 2, history, true, new int[] {b, d});
            c.cut(a, b);
            c.start(b); // crash and restart at once
            load.leaseReads(reader);
            load.freshReaders(a);
            load.writes(writer);
            c.sleep(3_000);
            c.heal();
            c.sleep(3_000);
            load.stop(reader, writer);
        }
        checkLinearizable(history);
    }

    /** The control run of a scenario: it must fail (a stale lease read caught by the checker) on some seed. */
    private static void controlCatches(String scenario, Seeds.Body control) {
        List<Long> caught = new ArrayList<>();
        for (long seed = 1; seed <= CONTROL_SEEDS; seed++) {
            try {
                control.run(seed);
            } catch (AssertionError e) {
                if (!String.valueOf(e.getMessage()).startsWith("NOT_LINEARIZABLE")) {
                    throw new AssertionError(scenario + " control run failed for another reason on seed " + seed, e);
                }
                caught.add(seed);
            } catch (Exception e) {
                throw new AssertionError(scenario + " control run failed on seed " + seed, e);
            }
        }
        System.out.println(scenario + " control run: stale read caught on " + caught.size() + " of " + CONTROL_SEEDS
                + " seeds " + caught);
        assertFalse(caught.isEmpty(), scenario + " without its protection passed on all " + CONTROL_SEEDS
                + " seeds: the scenario cannot see the fault");
    }

    private static Stream<DynamicTest> scenario(String name, Seeds.Body body) {
        return Seeds.each(PauseAndClockScenariosTest.class, name, body);
    }

    @TestFactory Stream<DynamicTest> LeaseReadAfterPause() { return scenario("LeaseReadAfterPause", s -> leaseReadAfterPause(s, false)); }
    @TestFactory Stream<DynamicTest> LeaseReadUnderTimerLateness() { return scenario("LeaseReadUnderTimerLateness", s -> leaseReadUnderTimerLateness(s, false)); }
    @TestFactory Stream<DynamicTest> VoteAfterRestart() { return scenario("VoteAfterRestart", s -> voteAfterRestart(s, false)); }

    @Test void LeaseReadAfterPauseControl() { controlCatches("LeaseReadAfterPause", s -> leaseReadAfterPause(s, true)); }
    @Test void LeaseReadUnderTimerLatenessControl() { controlCatches("LeaseReadUnderTimerLateness", s -> leaseReadUnderTimerLateness(s, true)); }
    @Test void VoteAfterRestartControl() { controlCatches("VoteAfterRestart", s -> voteAfterRestart(s, true)); }
}
