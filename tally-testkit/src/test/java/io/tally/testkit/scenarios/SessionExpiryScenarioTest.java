package io.tally.testkit.scenarios;

import io.tally.kv.SessionRule;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.kv.KvSimCluster;
import io.tally.testkit.kv.SimKvClient;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.LinearizabilityChecker;
import io.tally.testkit.linearizability.Operation;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static io.tally.testkit.scenarios.KvScenarioSupport.currentValue;
import static io.tally.testkit.scenarios.KvScenarioSupport.ownKey;

/**
 * SCENARIOS.md, Runtime contracts: <b>SessionExpiry</b> — a request on an expired session is refused and never
 * applied twice (issue 11, defect 6).
 *
 * <p>Five nodes, sessions that expire after {@value #TTL_MILLIS} ms idle, four clients appending to their own keys
 * (and reading them) for {@value #ACTIVE_MILLIS} ms of virtual time, in bursts of one to three operations with
 * pauses longer than the TTL, so that most bursts begin on an expired session. Faults: the course's unreliable
 * network (10 % of requests and answers lost, between clients and nodes too); a client cut off from the cluster
 * for longer than the TTL, 0–2 ms after it sent a write (15 % of writes), so that the write often applies while its
 * answer is lost and its retry arrives on an expired session; the leader crashed and restarted every 3–5 s, so
 * that the log clock passes from leader to leader.
 *
 * <p>The checks: every client's appends are in its key at most once, in the order it made them, and every
 * acknowledged one is there; the whole history (writes refused after an earlier try may have applied are of
 * unknown outcome) is linearizable. The control run uses {@link SessionRule#IMPLICIT_UNSAFE} (a session created by
 * its first write, the rule before registration) and must show the double apply that registration prevents.
 * Seeds: {@code -Dtally.kv.seeds}.
 */
class SessionExpiryScenarioTest {

    static final long TTL_MILLIS = 2_000;
    static final long ACTIVE_MILLIS = 20_000;
    static final int CLIENTS = 4;
    /** The control must show a double apply within this many consecutive seeds (from {@code -Dtally.seed.start}). */
    static final int CONTROL_SEEDS = 10;

    /** What one run saw; {@code violation} is null when every check passed. */
    record Outcome(String violation, boolean doubleApplied, int operations, int unknown, int expiredRefusals,
                   int sessionsOpened, int cutOffs) {
    }

    static Outcome run(long seed, SessionRule rule) {
        List<Operation<KvModel.Input, String>> history = new ArrayList<>();
        SimKvClient[] clients = new SimKvClient[CLIENTS];
        List<List<String>> issued = new ArrayList<>();
        List<Set<String>> acknowledged = new ArrayList<>();
        int[] cutOffs = {0};
        String violation = null;
        boolean doubleApplied = false;
        try (KvSimCluster c = KvSimCluster.create(5, seed, Cluster.scenarioConfig(true, true),
                Duration.ofMillis(TTL_MILLIS), rule)) {
            c.setUnreliable(true);
            RandomGenerator rnd = c.random();
            boolean[] stop = {false};
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = new SimKvClient(c, i, history, true);
                issued.add(new ArrayList<>());
                acknowledged.add(new HashSet<>());
                burst(c, clients[i], 1 + rnd.nextInt(3), rnd, stop, issued.get(i), acknowledged.get(i), cutOffs);
            }
            crashLeaderLater(c, rnd, stop);
            c.sleep(ACTIVE_MILLIS);
            stop[0] = true;
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
            for (int i = 0; i < CLIENTS && violation == null; i++) {
                violation = checkAtMostOnceInOrder(i, currentValue(c, ownKey(i), history, 0), issued.get(i), acknowledged.get(i));
                doubleApplied = violation != null && violation.contains("present twice");
            }
        }
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(60));
        if (violation == null && !r.ok()) {
            violation = "history of " + history.size() + " operations is not linearizable:\n" + r.report();
        }
        int unknown = 0;
        int refusals = 0;
        int opened = 0;
        for (SimKvClient cl : clients) {
            unknown += cl.unknownOutcomes();
            refusals += cl.expiredRefusals();
            opened += cl.sessionsOpened();
        }
        Outcome o = new Outcome(violation, doubleApplied, history.size(), unknown, refusals, opened, cutOffs[0]);
        System.out.printf("SessionExpiry (%s) seed %d: %d operations, %d sessions opened, %d writes refused as "
                        + "session-expired, %d of them of unknown outcome, %d clients cut off; linearizable: %s%s%n",
                rule, seed, o.operations(), o.sessionsOpened(), o.expiredRefusals(), o.unknown(), o.cutOffs(), r.ok(),
                violation == null ? "" : "; VIOLATION: " + violation.lines().findFirst().orElse(""));
        return o;
    }

    /** Up to {@code left} operations on the client's own key, then a pause longer than the TTL, then another burst. */
    private static void burst(KvSimCluster c, SimKvClient cl, int left, RandomGenerator rnd, boolean[] stop,
                              List<String> issued, Set<String> acknowledged, int[] cutOffs) {
        if (stop[0]) {
            return;
        }
        if (left == 0) {
            long idle = TTL_MILLIS + 200 + rnd.nextInt(1000); // the session expires meanwhile
            c.simulation().schedule(idle * 1_000_000L, "client pauses",
                    () -> burst(c, cl, 1 + rnd.nextInt(3), rnd, stop, issued, acknowledged, cutOffs));
            return;
        }
        Runnable next = () -> c.simulation().schedule(10_000_000L, "client think time",
                () -> burst(c, cl, left - 1, rnd, stop, issued, acknowledged, cutOffs));
        if (rnd.nextInt(10) < 7) {
            String v = "x " + cl.id() + " " + issued.size() + " y";
            issued.add(v);
            cl.append(ownKey(cl.id()), v, outcome -> {
                if (outcome == SimKvClient.WriteOutcome.OK) {
                    acknowledged.add(v);
                }
                next.run();
            });
            if (rnd.nextInt(100) < 15) {
                // Cut the client off just after it sent the write: the write may apply while its answer is lost,
                // and every retry is lost too until the session has long expired.
                long cutFor = TTL_MILLIS + 1_000 + rnd.nextInt(1_500);
                c.simulation().schedule(rnd.nextInt(2_000_000), "client cut off", () -> cl.cutOff(cutFor));
                cutOffs[0]++;
            }
        } else {
            cl.get(ownKey(cl.id()), value -> next.run());
        }
    }

    /** Crashes the leader every 3–5 s and restarts it 0.5 s later, until the run stops. */
    private static void crashLeaderLater(KvSimCluster c, RandomGenerator rnd, boolean[] stop) {
        c.simulation().schedule((3_000 + rnd.nextInt(2_000)) * 1_000_000L, "crash the leader", () -> {
            if (stop[0]) {
                return;
            }
            int leader = c.currentLeader();
            if (leader >= 0) {
                c.crash(leader);
                c.simulation().schedule(500_000_000L, "restart the old leader", () -> c.start(leader));
            }
            crashLeaderLater(c, rnd, stop);
        });
    }

    /**
     * Each of the client's appends is in {@code value} at most once, in the order it made them; each acknowledged
     * one is there. Returns what is wrong, or null.
     */
    static String checkAtMostOnceInOrder(int client, String value, List<String> issued, Set<String> acknowledged) {
        int from = 0;
        for (String a : issued) {
            int at = value.indexOf(a);
            if (at < 0) {
                if (acknowledged.contains(a)) {
                    return "client " + client + "'s acknowledged append '" + a + "' is missing from '" + value + "'";
                }
                continue; // an append of unknown outcome that did not apply
            }
            if (value.indexOf(a, at + a.length()) >= 0) {
                return "client " + client + "'s append '" + a + "' is present twice in '" + value + "'"
                        + (acknowledged.contains(a) ? "" : " (its outcome was reported unknown)");
            }
            if (at < from) {
                return "client " + client + "'s append '" + a + "' is out of order in '" + value + "'";
            }
            from = at + a.length();
        }
        return null;
    }

    @TestFactory
    Stream<DynamicTest> SessionExpiry() {
        return Seeds.each(SessionExpiryScenarioTest.class, "SessionExpiry", Seeds.count(), seed -> {
            Outcome o = run(seed, SessionRule.REGISTERED);
            if (o.violation() != null) {
                throw fatal(o.violation());
            }
            if (o.expiredRefusals() == 0) {
                throw fatal("no write arrived on an expired session: the scenario did not exercise what it is for");
            }
        });
    }

    /**
     * The control run: the same scenario with sessions created implicitly by a first write
     * ({@link SessionRule#IMPLICIT_UNSAFE}) applies some write twice within {@value #CONTROL_SEEDS} seeds, which
     * shows that the scenario catches what registration prevents.
     */
    @Test
    void controlRunWithImplicitSessionsCatchesTheDoubleApplyWithinTenSeeds() {
        List<Long> caught = new ArrayList<>();
        for (long seed = Seeds.start(); seed < Seeds.start() + CONTROL_SEEDS; seed++) {
            if (run(seed, SessionRule.IMPLICIT_UNSAFE).doubleApplied()) {
                caught.add(seed);
            }
        }
        System.out.println("SessionExpiry control: a double apply on seeds " + caught + " of " + Seeds.start() + ".."
                + (Seeds.start() + CONTROL_SEEDS - 1));
        if (caught.isEmpty()) {
            throw new AssertionError("control failed: with implicit sessions no write applied twice in seeds "
                    + Seeds.start() + ".." + (Seeds.start() + CONTROL_SEEDS - 1) + ", so the scenario does not exercise "
                    + "a retry on an expired session after its first try applied");
        }
    }
}
