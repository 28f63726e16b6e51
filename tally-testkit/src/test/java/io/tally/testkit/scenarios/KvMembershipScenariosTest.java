package io.tally.testkit.scenarios;

import io.tally.kv.KvService;
import io.tally.kv.Versioned;
import io.tally.raft.ClusterChangeException;
import io.tally.raft.Membership;
import io.tally.raft.NotLeaderException;
import io.tally.raft.node.RaftNode;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
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
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static io.tally.testkit.scenarios.KvScenarioSupport.checkAppends;
import static io.tally.testkit.scenarios.KvScenarioSupport.currentValue;
import static io.tally.testkit.scenarios.KvScenarioSupport.ownKey;
import static io.tally.testkit.kv.KvSimCluster.id;

/**
 * The key/value store under membership changes, mixed with one more fault per scenario: an unreliable network
 * (client links included), random partitions, or crashes and restarts. Five node slots, of which the first three
 * start as the bootstrapped voters and two start empty.
 *
 * <p>A round, three per scenario, as in {@link KvScenariosTest}: five clients with sessions loop for 5 s of virtual
 * time, 50 % appends to their own key, otherwise gets of it (which must return exactly what the client predicts).
 * Meanwhile, every 0.5–1.5 s, whichever node leads is asked (not awaited) to set the membership to a random set of
 * voters drawn from the five slots — at least one, sometimes with one more slot as a non-voter — and the scenario's
 * fault runs. At the end of the round the faults stop: the network heals, every node runs again, the membership is
 * driven to all five voters (retried across leaders), the clients finish, and every client's appends must be in
 * its key exactly once and in order. At the end, the whole history must be linearizable, and every node must hold
 * the same committed membership (five voters), log and key/value state. A change the churn saw succeed must have
 * produced exactly the members it asked for, and in every run at least one change of the voters must succeed.
 *
 * <p>Every random choice comes from the simulation's seed. Seeds: {@code -Dtally.membership.kv.seeds}.
 */
class KvMembershipScenariosTest {

    enum Fault { UNRELIABLE, PARTITION, CRASH }

    static final int SLOTS = 5;
    static final int INITIAL = 3;
    static final int CLIENTS = 5;
    static final int ROUNDS = 3;
    static final long ROUND_MILLIS = 5_000;
    /** How long one churn change may take (catch-up included) before the leader gives up on it. */
    static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(3);
    /** Virtual time a client waits between operations, as in {@link KvScenariosTest}. */
    private static final long THINK_NANOS = 10_000_000L;
    private static final int[] ALL = {0, 1, 2, 3, 4};

    /**
     * What the churn asked for and what came of it, for the report; and a check failed inside a future callback
     * (where a throw would be swallowed by the future), raised again as a simulation event.
     */
    static final class Churn {
        final KvSimCluster c;
        int asked;
        int noLeader;
        int answered;
        int succeeded;
        int changedVoters;
        int notLeader;
        int otherError;
        final Map<ClusterChangeException.Kind, Integer> failed = new EnumMap<>(ClusterChangeException.Kind.class);
        final List<AssertionError> failures = new ArrayList<>();

        Churn(KvSimCluster c) {
            this.c = c;
        }

        void fail(String message) {
            AssertionError e = new AssertionError(message);
            failures.add(e);
            c.simulation().schedule(0, "scenario check failed", () -> {
                throw e;
            });
        }

        void check() {
            if (!failures.isEmpty()) {
                throw failures.get(0);
            }
        }

        void outcome(List<Member> target, Set<String> votersBefore, Membership m, Throwable e) {
            answered++;
            if (e == null) {
                succeeded++;
                Set<String> want = new TreeSet<>();
                Set<String> wantVoters = new TreeSet<>();
                for (Member t : target) {
                    want.add(t.id() + (t.voter() ? "" : "(non-voter)"));
                    if (t.voter()) {
                        wantVoters.add(t.id());
                    }
                }
                Set<String> got = new TreeSet<>();
                for (Member g : m.configuration().members()) {
                    got.add(g.id() + (g.voter() ? "" : "(non-voter)"));
                }
                if (m.configuration().isJoint() || !got.equals(want)) {
                    fail("a change to " + want + " succeeded with " + m.configuration());
                }
                if (!wantVoters.equals(votersBefore)) {
                    changedVoters++;
                }
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ClusterChangeException x) {
                if (x.kind() == ClusterChangeException.Kind.INVALID) {
                    fail("a change to " + target + " (at least one voter) was refused as invalid: " + x.getMessage());
                }
                failed.merge(x.kind(), 1, Integer::sum);
            } else if (cause instanceof NotLeaderException) {
                notLeader++;
            } else {
                otherError++; // a timeout or a closed node: the outcome is unknown
            }
        }

        @Override
        public String toString() {
            return "membership changes: " + asked + " asked (" + noLeader + " more times no node led), " + succeeded
                    + " succeeded (" + changedVoters + " of them changed the voters), failed " + failed + ", " + notLeader
                    + " not leader, " + otherError + " other errors, " + (asked - answered) + " never answered";
        }
    }

    static void runScenario(long seed, Fault fault) {
        List<Operation<KvModel.Input, String>> history = new ArrayList<>();
        Churn churn;
        KvScenarioSupport.GroupOps ops;
        KvScenarioSupport.Observers observers = new KvScenarioSupport.Observers();
        String watched;
        try (KvSimCluster c = KvSimCluster.createGrowable(SLOTS, INITIAL, seed, Cluster.scenarioConfig(true, true))) {
            churn = new Churn(c);
            c.setUnreliable(fault == Fault.UNRELIABLE);
            RandomGenerator rnd = c.random();
            ops = KvScenarioSupport.GroupOps.forClients(CLIENTS, rnd);
            observers.start(c);
            for (int round = 0; round < ROUNDS; round++) {
                observers.round(c, round);
                runRound(c, fault, round, rnd, history, churn, ops, observers);
            }
            c.heal();
            c.setUnreliable(false);
            checkNodesAgree(c);
            watched = observers.check(c);
            churn.check();
            if (churn.changedVoters == 0) {
                // Over hundreds of seeds every run had at least two: none means the churn stopped working.
                throw fatal("no membership change of the voters succeeded, so the scenario tested no change: " + churn);
            }
        }
        long t0 = System.nanoTime();
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(60));
        System.out.printf("Membership%s seed %d: %d operations (%d with unknown outcome), checked in %d ms; %s; %s%n",
                fault, seed, history.size(), history.stream().filter(Operation::outcomeUnknown).count(),
                (System.nanoTime() - t0) / 1_000_000, churn, ops);
        System.out.printf("Membership%s seed %d: %s%n", fault, seed, watched);
        if (!r.ok()) {
            throw fatal("history of " + history.size() + " operations is not linearizable:\n" + r.report());
        }
    }

    private static void runRound(KvSimCluster c, Fault fault, int round, RandomGenerator rnd,
                                 List<Operation<KvModel.Input, String>> history, Churn churn,
                                 KvScenarioSupport.GroupOps ops, KvScenarioSupport.Observers observers) {
        SimKvClient[] clients = new SimKvClient[CLIENTS];
        List<List<String>> appended = new ArrayList<>();
        StringBuilder[] predicted = new StringBuilder[CLIENTS];
        boolean[] stop = {false};
        for (int i = 0; i < CLIENTS; i++) {
            clients[i] = observers.observe(new SimKvClient(c, round * 1000 + i, history, true));
            appended.add(new ArrayList<>());
            predicted[i] = new StringBuilder(currentValue(c, ownKey(i), history, round));
        }
        for (int i = 0; i < CLIENTS; i++) {
            next(clients[i], i, rnd, stop, appended.get(i), predicted[i], churn, ops);
        }
        changeMembershipLater(c, rnd, stop, churn);
        switch (fault) {
            case UNRELIABLE -> { } // on throughout, from the start
            case PARTITION -> KvScenarioSupport.repartitionLater(c, rnd, stop);
            case CRASH -> crashOrRestartLater(c, rnd, stop);
        }
        c.sleep(ROUND_MILLIS);
        stop[0] = true;

        // The faults end: heal, every node back, all five slots voters; then the clients finish.
        c.heal();
        for (int i = 0; i < SLOTS; i++) {
            if (!c.isUp(i)) {
                c.start(i);
            }
        }
        Membership m = c.changeMembership(io.tally.testkit.harness.MembershipDriver.voters(ALL), 60_000);
        if (m.configuration().isJoint() || !m.configuration().voters().equals(ids(ALL)) || m.configuration().members().size() != SLOTS) {
            throw fatal("round " + round + ": the membership should be the five voters, got " + m.configuration());
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
        churn.check();
        if (fault == Fault.CRASH) {
            // As the existing crash scenarios: every node crashes and restarts after the round.
            for (int i = 0; i < SLOTS; i++) {
                c.crash(i);
            }
            for (int i = 0; i < SLOTS; i++) {
                c.start(i);
            }
        }
        // Every client's appends are in its key exactly once, in order.
        for (int i = 0; i < CLIENTS; i++) {
            checkAppends(i, currentValue(c, ownKey(i), history, round), appended.get(i));
        }
    }

    // ---------------------------------------------------------------- the clients


    private static void next(SimKvClient cl, int i, RandomGenerator rnd, boolean[] stop, List<String> appended,
                             StringBuilder predicted, Churn checks, KvScenarioSupport.GroupOps ops) {
        if (stop[0]) {
            return;
        }
        if (rnd.nextInt(100) < KvScenariosTest.GROUP_PERCENT) {
            ops.next(cl, () -> loop(cl, i, rnd, stop, appended, predicted, checks, ops));
            return;
        }
        String key = ownKey(i);
        if (rnd.nextInt(1000) < 500) {
            String v = "x " + cl.id() + " " + appended.size() + " y";
            cl.append(key, v, () -> {
                appended.add(v);
                predicted.append(v);
                loop(cl, i, rnd, stop, appended, predicted, checks, ops);
            });
        } else {
            cl.get(key, value -> {
                if (!value.equals(predicted.toString())) {
                    // A throw here would be swallowed by the future that calls back: fail through the simulation.
                    checks.fail("client " + cl.id() + " read '" + value + "' from its own key, expected '" + predicted + "'");
                    return;
                }
                loop(cl, i, rnd, stop, appended, predicted, checks, ops);
            });
        }
    }

    private static void loop(SimKvClient cl, int i, RandomGenerator rnd, boolean[] stop, List<String> appended,
                             StringBuilder predicted, Churn checks, KvScenarioSupport.GroupOps ops) {
        if (!stop[0]) {
            cl.simulation().schedule(THINK_NANOS, "client think time", () -> next(cl, i, rnd, stop, appended, predicted, checks, ops));
        }
    }

    /** Reads a key through a fresh client (its read joins the history). */


    // ---------------------------------------------------------------- the faults

    /**
     * Every 0.5–1.5 s until the round stops: asks whichever node leads, without waiting, to set the membership to
     * a random set of voters (each slot with probability 1/2, at least one), and one time in four one slot more as
     * a non-voter (a voter demoted, when that leaves a voter).
     */
    private static void changeMembershipLater(KvSimCluster c, RandomGenerator rnd, boolean[] stop, Churn churn) {
        c.simulation().schedule((500 + rnd.nextInt(1001)) * 1_000_000L, "membership change", () -> {
            if (stop[0]) {
                return;
            }
            List<Member> target = randomMembers(rnd);
            int leader = c.currentLeader();
            Set<String> before = leader < 0 ? Set.of() : c.service(leader).node().configuration().voters();
            CompletableFuture<Membership> f = c.requestMembership(target, CHANGE_TIMEOUT);
            if (f == null) {
                churn.noLeader++;
            } else {
                churn.asked++;
                f.whenComplete((m, e) -> churn.outcome(target, before, m, e));
            }
            changeMembershipLater(c, rnd, stop, churn);
        });
    }

    static List<Member> randomMembers(RandomGenerator rnd) {
        Set<Integer> voters = new TreeSet<>();
        for (int i = 0; i < SLOTS; i++) {
            if (rnd.nextBoolean()) {
                voters.add(i);
            }
        }
        if (voters.isEmpty()) {
            voters.add(rnd.nextInt(SLOTS));
        }
        int nonVoter = -1;
        if (rnd.nextInt(4) == 0) {
            int s = rnd.nextInt(SLOTS);
            if (!voters.contains(s)) {
                nonVoter = s;
            } else if (voters.size() > 1) {
                voters.remove(s);
                nonVoter = s;
            }
        }
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            if (voters.contains(i)) {
                members.add(Member.voter(id(i)));
            } else if (i == nonVoter) {
                members.add(Member.nonVoter(id(i), ""));
            }
        }
        return members;
    }

    /** Re-draws a random two-way partition every 1 s + 0–200 ms until the round stops (as {@link KvScenariosTest}). */

    /**
     * Every 0.5–1.5 s until the round stops: restarts a crashed node (always when two are down, else half the
     * time), or crashes one — the leader, if there is one, half the time (mid-write, often), else any running node.
     */
    private static void crashOrRestartLater(KvSimCluster c, RandomGenerator rnd, boolean[] stop) {
        c.simulation().schedule((500 + rnd.nextInt(1001)) * 1_000_000L, "crash or restart", () -> {
            if (stop[0]) {
                return;
            }
            List<Integer> up = new ArrayList<>();
            List<Integer> down = new ArrayList<>();
            for (int i = 0; i < SLOTS; i++) {
                (c.isUp(i) ? up : down).add(i);
            }
            if (!down.isEmpty() && (down.size() >= 2 || rnd.nextBoolean())) {
                c.start(down.get(rnd.nextInt(down.size())));
            } else {
                int leader = c.currentLeader();
                c.crash(leader >= 0 && rnd.nextBoolean() ? leader : up.get(rnd.nextInt(up.size())));
            }
            crashOrRestartLater(c, rnd, stop);
        });
    }

    // ---------------------------------------------------------------- the end state

    /**
     * Once every node has applied everything the leader has in its log: every node holds the five voters as its
     * committed membership, the same log length, and the same key/value state (keys, versions and values, and the
     * index of the last command applied).
     */
    private static void checkNodesAgree(KvSimCluster c) {
        if (!c.simulation().runUntil(() -> caughtUp(c), 30_000)) {
            throw fatal("the nodes did not converge within 30 s: " + c.describe());
        }
        KvService first = c.service(0);
        List<Map.Entry<String, Versioned>> expected = first.store().scan("", Integer.MAX_VALUE);
        for (int i = 1; i < SLOTS; i++) {
            KvService s = c.service(i);
            if (s.store().appliedIndex() != first.store().appliedIndex()) {
                throw fatal(id(i) + " applied commands up to index " + s.store().appliedIndex() + ", " + id(0) + " up to "
                        + first.store().appliedIndex());
            }
            List<Map.Entry<String, Versioned>> got = s.store().scan("", Integer.MAX_VALUE);
            if (!sameEntries(expected, got)) {
                throw fatal(id(i) + "'s key/value state differs from " + id(0) + "'s: " + difference(expected, got));
            }
        }
    }

    private static boolean caughtUp(KvSimCluster c) {
        int leader = c.currentLeader();
        if (leader < 0) {
            return false;
        }
        RaftNode<?> l = c.service(leader).node();
        if (l.commitIndex() != l.lastLogIndex()) {
            return false;
        }
        for (int i = 0; i < SLOTS; i++) {
            KvService s = c.service(i);
            if (s == null) {
                return false;
            }
            RaftNode<?> node = s.node();
            Configuration conf = node.committedConfiguration();
            if (conf.isJoint() || !conf.voters().equals(ids(ALL)) || conf.members().size() != SLOTS
                    || !node.configuration().equals(conf)
                    || node.lastLogIndex() != l.lastLogIndex() || node.commitIndex() != l.commitIndex()
                    || node.appliedIndex() != l.commitIndex()) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameEntries(List<Map.Entry<String, Versioned>> a, List<Map.Entry<String, Versioned>> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int k = 0; k < a.size(); k++) {
            Map.Entry<String, Versioned> x = a.get(k);
            Map.Entry<String, Versioned> y = b.get(k);
            if (!x.getKey().equals(y.getKey()) || x.getValue().version() != y.getValue().version()
                    || !Arrays.equals(x.getValue().value(), y.getValue().value())) {
                return false;
            }
        }
        return true;
    }

    private static String difference(List<Map.Entry<String, Versioned>> a, List<Map.Entry<String, Versioned>> b) {
        Map<String, Versioned> x = new TreeMap<>();
        a.forEach(e -> x.put(e.getKey(), e.getValue()));
        Map<String, Versioned> y = new TreeMap<>();
        b.forEach(e -> y.put(e.getKey(), e.getValue()));
        Set<String> keys = new TreeSet<>(x.keySet());
        keys.addAll(y.keySet());
        for (String k : keys) {
            Versioned u = x.get(k);
            Versioned v = y.get(k);
            if (u == null || v == null || u.version() != v.version() || !Arrays.equals(u.value(), v.value())) {
                return "key '" + k + "': " + show(u) + " vs " + show(v);
            }
        }
        return "none found";
    }

    private static String show(Versioned v) {
        return v == null ? "absent" : "version " + v.version() + " '" + new String(v.value(), java.nio.charset.StandardCharsets.UTF_8) + "'";
    }

    private static Set<String> ids(int... slots) {
        Set<String> s = new HashSet<>();
        for (int i : slots) {
            s.add(id(i));
        }
        return s;
    }

    // ---------------------------------------------------------------- the scenarios, per seed

    private static Stream<DynamicTest> scenario(String name, Fault fault) {
        return Seeds.each(KvMembershipScenariosTest.class, name, Seeds.membershipKvCount(), seed -> runScenario(seed, fault));
    }

    @TestFactory Stream<DynamicTest> MembershipUnreliable() { return scenario("MembershipUnreliable", Fault.UNRELIABLE); }
    @TestFactory Stream<DynamicTest> MembershipPartition() { return scenario("MembershipPartition", Fault.PARTITION); }
    @TestFactory Stream<DynamicTest> MembershipCrash() { return scenario("MembershipCrash", Fault.CRASH); }
}
