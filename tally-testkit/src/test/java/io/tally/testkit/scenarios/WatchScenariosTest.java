package io.tally.testkit.scenarios;

import io.tally.kv.KeyFilter;
import io.tally.raft.RaftConfig;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.kv.KvSimCluster;
import io.tally.testkit.kv.SimKvClient;
import io.tally.testkit.kv.SimWatcher;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.LinearizabilityChecker;
import io.tally.testkit.linearizability.Operation;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Watches across crashes, partitions, pauses and leader changes (issue 14's watch checker, in the simulator). Five
 * nodes; five clients with sessions for 8 s of virtual time, 60 % of their operations on three shared groups of keys
 * (transactions, range reads, prefix deletes, puts and appends), the rest appends and gets of their own keys. Five
 * watchers follow the store throughout: every key from revision 1 and group {@code g0/}, both connected to the
 * leader whenever there is one; client 0's key; group {@code g1/} as a slow consumer (it holds its deliveries for
 * 0.2–2 s now and then); and every key from a revision 2 s into the run. Each resumes on another node, from the
 * revision after the last it has seen, when its node crashes or lags, and every 0.5–3 s by choice.
 *
 * <ul>
 *   <li><b>WatchLeaderChurn</b>: every 0.5–1.5 s the leader is crashed (restarted 0.2–1 s later), cut off alone
 *       (healed after 0.5–1.5 s) or paused for 0.3–2 s.</li>
 *   <li><b>WatchSnapshotCompaction</b>: snapshots every 10 entries, an event history of only 64 revisions, the
 *       unreliable network, and a random node crashed every 0.5–1.5 s (restarted 0.2–1 s later): watchers that fall
 *       behind or reconnect to a node restored from a snapshot find their start compacted, and must be told so
 *       ({@code onCompacted}), never silently skipped.</li>
 * </ul>
 *
 * The checks ({@link io.tally.testkit.kv.WatchChecker}, {@link io.tally.testkit.kv.KvTruth}): every watcher's events
 * are exactly the log's under its filter, in revision order, none missing, none twice; every compaction a watcher was
 * told of lies within the history's retention; the watcher of every key rebuilds every node's final view; every
 * node's event history is the log's; every view any node published is the log's; every acknowledged write and range
 * read is in the log as answered; and the whole history is linearizable. Seeds: {@code -Dtally.watch.seeds}.
 *
 * <p>Control runs: the same scenario with watchers that resume one revision early (a revision's events twice) or one
 * revision late (a revision's events lost) must be caught — early: on every one of {@value #CONTROL_SEEDS} seeds;
 * late, which loses events only where the skipped revision holds some for the watcher: on at least half, and on no
 * seed may such a loss pass the checker ({@code requireNoUnnoticedLoss}).
 */
class WatchScenariosTest {

    enum Fault { LEADER_CHURN, NODE_CRASH }

    record Faults(Fault fault, boolean snapshots, boolean unreliable, long historyRevisions) {
    }

    static final Faults LEADER_CHURN = new Faults(Fault.LEADER_CHURN, false, false, 100_000);
    static final Faults SNAPSHOT_COMPACTION = new Faults(Fault.NODE_CRASH, true, false, 150);

    static final int NODES = 5;
    static final int CLIENTS = 5;
    static final long RUN_MILLIS = 8_000;
    static final int CONTROL_SEEDS = 10;
    private static final long THINK_NANOS = 10_000_000L;

    static String run(long seed, Faults f, SimWatcher.Sabotage sabotage) {
        RaftConfig config = f.snapshots() ? Cluster.snapshotConfig() : Cluster.scenarioConfig(true, true);
        List<Operation<KvModel.Input, String>> history = new ArrayList<>();
        KvScenarioSupport.Observers observers = new KvScenarioSupport.Observers(sabotage);
        KvScenarioSupport.GroupOps ops;
        String watched;
        int[] faults = new int[3];
        try (KvSimCluster c = KvSimCluster.create(NODES, seed, config, new KvSimCluster.Setup().history(f.historyRevisions()))) {
            c.setUnreliable(f.unreliable());
            RandomGenerator rnd = c.random();
            ops = new KvScenarioSupport.GroupOps(3, rnd);
            observers.watch(c, "all (leader)", KeyFilter.prefix(""), 1, true, false);
            observers.watch(c, "g0 (leader)", KeyFilter.prefix("g0/"), 1, true, false);
            observers.watch(c, "k0", KeyFilter.key(KvScenarioSupport.ownKey(0)), 1, false, false);
            observers.watch(c, "g1 (slow)", KeyFilter.prefix("g1/"), 1, false, true);
            c.simulation().schedule(2_000_000_000L, "late watcher", () ->
                    observers.watch(c, "all (late)", KeyFilter.prefix(""), c.truth().revision() + 1, false, true));
            boolean[] stop = {false};
            SimKvClient[] clients = new SimKvClient[CLIENTS];
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = observers.observe(new SimKvClient(c, i, history, true));
                next(clients[i], i, rnd, stop, ops);
            }
            faultLater(c, f, rnd, stop, faults);
            c.sleep(RUN_MILLIS);
            stop[0] = true;
            c.heal();
            c.setUnreliable(false);
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
            watched = observers.check(c);
            if (sabotage == SimWatcher.Sabotage.RESUME_PAST_NEXT) {
                requireNoUnnoticedLoss(c, observers.watchers);
            }
            int gaps = 0;
            for (SimWatcher w : observers.watchers) {
                for (SimWatcher.Gap g : w.gaps()) {
                    gaps++;
                    long oldestAllowed = Math.max(1, g.nodeRevision() - f.historyRevisions() + 1);
                    if (g.to() > oldestAllowed) {
                        throw fatal("watcher '" + w.name() + "' was told revisions " + g.from() + "–" + (g.to() - 1)
                                + " are compacted by a node at revision " + g.nodeRevision() + ", which keeps the last "
                                + f.historyRevisions() + " revisions (oldest " + oldestAllowed + ")");
                    }
                }
            }
            watched += "; " + gaps + " compacted starts";
            for (SimWatcher w : observers.watchers) {
                watched += "\n    " + w;
            }
        }
        long t0 = System.nanoTime();
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(60));
        String summary = String.format("%s seed %d: %d crashes, %d partitions, %d pauses; %d operations checked in %d ms; %s; %s",
                f.fault(), seed, faults[0], faults[1], faults[2], history.size(), (System.nanoTime() - t0) / 1_000_000, ops,
                watched);
        if (!r.ok()) {
            throw fatal("history of " + history.size() + " operations is not linearizable:\n" + r.report());
        }
        return summary;
    }

    private static void next(SimKvClient cl, int i, RandomGenerator rnd, boolean[] stop, KvScenarioSupport.GroupOps ops) {
        if (stop[0]) {
            return;
        }
        Runnable loop = () -> {
            if (!stop[0]) {
                cl.simulation().schedule(THINK_NANOS, "client think time", () -> next(cl, i, rnd, stop, ops));
            }
        };
        int r = rnd.nextInt(100);
        if (r < 60) {
            ops.next(cl, loop);
        } else if (r < 80) {
            cl.append(KvScenarioSupport.ownKey(i), "x " + i + " " + r + " y", loop);
        } else {
            cl.get(KvScenarioSupport.ownKey(i), v -> loop.run());
        }
    }

    /** Every 0.5–1.5 s until the run stops: the scenario's fault. */
    private static void faultLater(KvSimCluster c, Faults f, RandomGenerator rnd, boolean[] stop, int[] counts) {
        c.simulation().schedule((500 + rnd.nextInt(1001)) * 1_000_000L, "fault", () -> {
            if (stop[0]) {
                return;
            }
            if (f.fault() == Fault.LEADER_CHURN) {
                int leader = c.currentLeader();
                if (leader >= 0) {
                    int kind = rnd.nextInt(3);
                    if (kind == 0) {
                        counts[0]++;
                        c.crash(leader);
                        restartLater(c, leader, rnd);
                    } else if (kind == 1) {
                        counts[1]++;
                        int[] rest = new int[NODES - 1];
                        for (int i = 0, k = 0; i < NODES; i++) {
                            if (i != leader) {
                                rest[k++] = i;
                            }
                        }
                        c.partition(new int[] {leader}, rest);
                        c.simulation().schedule((500 + rnd.nextInt(1001)) * 1_000_000L, "heal", c::heal);
                    } else {
                        counts[2]++;
                        c.pause(leader, 300 + rnd.nextInt(1_700));
                    }
                }
            } else {
                List<Integer> up = new ArrayList<>();
                for (int i = 0; i < NODES; i++) {
                    if (c.isUp(i)) {
                        up.add(i);
                    }
                }
                if (up.size() > NODES / 2 + 1) {
                    int victim = up.get(rnd.nextInt(up.size()));
                    counts[0]++;
                    c.crash(victim);
                    restartLater(c, victim, rnd);
                }
            }
            faultLater(c, f, rnd, stop, counts);
        });
    }

    private static void restartLater(KvSimCluster c, int node, RandomGenerator rnd) {
        c.simulation().schedule((200 + rnd.nextInt(801)) * 1_000_000L, "restart", () -> {
            if (!c.isUp(node)) {
                c.start(node);
            }
        });
    }

    private static Stream<DynamicTest> scenario(String name, Faults f) {
        return Seeds.each(WatchScenariosTest.class, name, Seeds.watchCount(), seed -> System.out.println(run(seed, f, SimWatcher.Sabotage.NONE)));
    }

    @TestFactory Stream<DynamicTest> WatchLeaderChurn() { return scenario("WatchLeaderChurn", LEADER_CHURN); }
    @TestFactory Stream<DynamicTest> WatchSnapshotCompaction() { return scenario("WatchSnapshotCompaction", SNAPSHOT_COMPACTION); }

    /**
     * RESUME_PAST_NEXT skips the revision before each reconnection's start; it loses an event only if that revision
     * holds one the watcher wanted. If one did and the checker passed the run, the checker missed a loss.
     */
    private static void requireNoUnnoticedLoss(KvSimCluster c, List<SimWatcher> watchers) {
        for (SimWatcher w : watchers) {
            List<SimWatcher.Connection> conns = w.connections();
            for (SimWatcher.Connection conn : conns.subList(Math.min(1, conns.size()), conns.size())) {
                long skipped = conn.from() - 1;
                boolean told = w.gaps().stream().anyMatch(g -> g.from() <= skipped && skipped < g.to()); // compacted
                if (!told && c.truth().events(skipped, skipped).stream().anyMatch(e -> w.filter().matches(e.key()))) {
                    throw new AssertionError("the watch checker passed watcher '" + w.name() + "', whose connection "
                            + conn.number() + " skipped revision " + skipped + " holding events it wanted");
                }
            }
        }
    }

    /**
     * A control run: the scenario with broken watchers must be caught by the watch checker on at least {@code minimum}
     * of the seeds (a sabotage bites only where a watcher reconnects: RESUME_PAST_NEXT only where the revision it
     * skips holds an event for it — and where it does, {@link #requireNoUnnoticedLoss} fails the run if the checker
     * missed it).
     */
    private static void controlCatches(SimWatcher.Sabotage sabotage, String expected, int minimum) {
        List<Long> caught = new ArrayList<>();
        List<String> firstLines = new ArrayList<>();
        for (long seed = Seeds.start(); seed < Seeds.start() + CONTROL_SEEDS; seed++) {
            try {
                run(seed, LEADER_CHURN, sabotage);
            } catch (AssertionError e) {
                String m = String.valueOf(e.getMessage());
                if (!m.contains(expected)) {
                    throw new AssertionError(sabotage + " control run failed for another reason on seed " + seed, e);
                }
                caught.add(seed);
                firstLines.add("seed " + seed + ": " + m.lines().findFirst().orElse(""));
            }
        }
        System.out.println(sabotage + " control run: caught on " + caught.size() + " of " + CONTROL_SEEDS + " seeds " + caught);
        firstLines.stream().limit(3).forEach(l -> System.out.println("  " + l));
        assertTrue(caught.size() >= minimum, sabotage + ": caught on " + caught.size() + " of " + CONTROL_SEEDS
                + " seeds, fewer than " + minimum);
    }

    // A watcher that resumes at its last revision gets that revision's events twice whenever it reconnects after an
    // event: every seed. One that resumes a revision too far loses events only where that revision holds some for it.
    @Test void WatchResumeAtLastControl() { controlCatches(SimWatcher.Sabotage.RESUME_AT_LAST, "twice: ", CONTROL_SEEDS); }
    @Test void WatchResumePastNextControl() { controlCatches(SimWatcher.Sabotage.RESUME_PAST_NEXT, "lost: ", CONTROL_SEEDS / 2); }
}
