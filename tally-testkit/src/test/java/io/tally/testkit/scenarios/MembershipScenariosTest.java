package io.tally.testkit.scenarios;

import io.tally.raft.ClusterChangeException;
import io.tally.raft.Membership;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static io.tally.testkit.harness.Cluster.id;
import static io.tally.testkit.harness.Cluster.voters;

/**
 * SCENARIOS.md, Membership: voters and non-voters added and removed under client load, the leader removed,
 * changes back to back, and a change interrupted by a leader crash at every step of the joint transition.
 * Throughout, the harness checks one leader per term, log matching, leader completeness and state machine
 * safety; at the end every acknowledged write must be applied on every member.
 */
class MembershipScenariosTest {

    static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(20);

    static SimCluster growable(int slots, int initial, long seed) {
        return SimCluster.createGrowable(slots, initial, seed, Cluster.scenarioConfig(true, true));
    }

    /** Grow 1 → 3 → 5 (one of them a non-voter first, then promoted) and shrink 5 → 3, while a client writes. */
    static void growShrink(SimCluster c) {
        c.checkOneLeader();
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(300);
        expectVoters(c.changeMembership(voters(0, 1, 2), 20_000), 0, 1, 2);
        c.sleep(300);

        // A non-voter receives the log but never campaigns, even when cut off from the leader.
        int leader = c.checkOneLeader();
        Membership m = c.await(c.node(leader).addMember(Member.nonVoter(id(3), ""), CHANGE_TIMEOUT), 20_000, "add non-voter n3");
        if (m.configuration().isVoter(id(3)) || !m.configuration().contains(id(3))) {
            throw fatal("n3 should be a non-voter member: " + m.configuration());
        }
        int before = c.applied().appliedBy(3).size();
        if (!c.clock().await(() -> c.applied().appliedBy(3).size() > before + 3, 5_000)) {
            throw fatal("non-voter n3 does not receive the log");
        }
        long term3 = c.node(3).term();
        c.disconnect(3);
        c.sleep(3_000);
        if (c.node(3).term() != term3 || c.node(3).state() != RaftState.FOLLOWER) {
            throw fatal("isolated non-voter n3 campaigned: term " + term3 + " -> " + c.node(3).term() + ", " + c.node(3).state());
        }
        c.connect(3);

        expectVoters(c.changeMembership(voters(0, 1, 2, 3, 4), 20_000), 0, 1, 2, 3, 4);
        c.sleep(500);
        // Shrink by two random members, possibly including the leader.
        List<Integer> all = new ArrayList<>(List.of(0, 1, 2, 3, 4));
        int[] removed = {all.remove(c.random().nextInt(all.size())), all.remove(c.random().nextInt(all.size()))};
        int[] kept = all.stream().mapToInt(Integer::intValue).toArray();
        expectVoters(c.changeMembership(voters(kept), 20_000), kept);
        load.stopAndCheck(kept);
        for (int r : removed) {
            if (!c.clock().await(() -> c.node(r).status().removed(), 3_000)) {
                throw fatal(id(r) + " was removed but does not report it: " + c.node(r).configuration());
            }
        }
        checkNoDisruption(c, removed, 3_000);
    }

    /** A crashed voter is replaced: a new node is added and the dead one removed; the dead one later restarts harmlessly. */
    static void replaceCrashed(SimCluster c) {
        int leader = c.checkOneLeader();
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(300);
        int dead = (leader + 1 + c.random().nextInt(2)) % 3;
        c.crash(dead);
        c.sleep(1_000);
        int[] next = new int[2];
        for (int i = 0, k = 0; i < 3; i++) {
            if (i != dead) {
                next[k++] = i;
            }
        }
        int[] replaced = {next[0], next[1], 3};
        // Two steps, as an operator would: add the replacement (catch-up first), then remove the dead member.
        int l = waitLeader(c);
        c.await(c.node(l).addMember(Member.voter(id(3)), CHANGE_TIMEOUT), 20_000, "add replacement n3");
        l = waitLeader(c);
        expectVoters(c.await(c.node(l).removeMember(id(dead), CHANGE_TIMEOUT), 20_000, "remove dead " + id(dead)), replaced);
        c.sleep(500);
        // The removed node comes back with its old configuration; it never learned it was removed.
        c.start(dead);
        c.connect(dead);
        checkNoDisruption(c, new int[] {dead}, 5_000);
        load.stopAndCheck(replaced);
    }

    /** The leader removes itself: it leads until the change commits, then steps down, and never disrupts again. */
    static void removeLeader(SimCluster c) {
        int leader = c.checkOneLeader();
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(300);
        Membership m = c.await(c.node(leader).removeMember(id(leader), CHANGE_TIMEOUT), 20_000, "remove leader " + id(leader));
        int[] rest = new int[2];
        for (int i = 0, k = 0; i < 3; i++) {
            if (i != leader) {
                rest[k++] = i;
            }
        }
        expectVoters(m, rest);
        if (!c.clock().await(() -> c.node(leader).state() != RaftState.LEADER, 1_000)) {
            throw fatal("removed leader " + id(leader) + " did not step down");
        }
        if (!c.node(leader).status().removed()) {
            throw fatal("removed leader does not report that it was removed");
        }
        int next = waitLeader(c);
        if (next == leader) {
            throw fatal("removed node leads again");
        }
        checkNoDisruption(c, new int[] {leader}, 3_000);
        load.stopAndCheck(rest);
    }

    /**
     * Two changes back to back: a second request while one is in flight is refused (CONFLICT), one made right
     * after the first completes succeeds, one based on a stale configuration index is refused, and a change that
     * adds and removes several members at once succeeds.
     */
    static void backToBackChanges(SimCluster c) {
        c.checkOneLeader();
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(300);
        int leader = waitLeader(c);
        RaftNode<Long> l = c.node(leader);
        CompletableFuture<Membership> first = l.addMember(Member.voter(id(3)), CHANGE_TIMEOUT);
        CompletableFuture<Membership> second = l.addMember(Member.voter(id(4)), CHANGE_TIMEOUT);
        expectFailure(c, second, ClusterChangeException.Kind.CONFLICT, "second change while the first is in flight");
        Membership m1 = c.await(first, 20_000, "first change");
        int follower = -1;
        for (int i = 0; i < 3; i++) {
            if (i != leader && follower < 0) {
                follower = i;
            }
        }
        // Straight after: a change conditional on the membership the first one produced.
        CompletableFuture<Membership> third = l.changeMembership(new ConfigChange.RemoveMember(id(follower)), m1.index(), CHANGE_TIMEOUT);
        Membership m3 = c.await(third, 20_000, "change right after the first");
        if (m3.index() <= m1.index() || m3.configuration().contains(id(follower))) {
            throw fatal("third change did not take effect: " + m3);
        }
        expectFailure(c, l.changeMembership(new ConfigChange.RemoveMember(id(3)), m1.index(), CHANGE_TIMEOUT),
                ClusterChangeException.Kind.CONFLICT, "change based on a stale configuration index");
        expectFailure(c, l.removeMember("n9", CHANGE_TIMEOUT), ClusterChangeException.Kind.INVALID, "removing a non-member");
        // Several members at once: bring the removed follower back and add n4, in one joint change.
        Set<Integer> target = new LinkedHashSet<>();
        for (String v : m3.configuration().voters()) {
            target.add(Integer.parseInt(v.substring(1)));
        }
        target.add(follower);
        target.add(4);
        int[] t = target.stream().mapToInt(Integer::intValue).toArray();
        expectVoters(c.changeMembership(voters(t), 20_000), t);
        load.stopAndCheck(t);
    }

    /**
     * On an idle cluster (no client writes to carry entries along): a non-voter added, removed and added back as a
     * voter catches up from the leader's probes alone, and learns of its removal in between.
     */
    static void reAddOnIdleCluster(SimCluster c) {
        int l = c.checkOneLeader();
        Membership added = c.await(c.node(l).addMember(Member.nonVoter(id(3), ""), CHANGE_TIMEOUT), 20_000, "add n3");
        if (!c.clock().await(() -> c.node(3).lastLogIndex() >= added.index(), 2_000)) {
            throw fatal("idle cluster: new member n3 did not receive the log: " + c.node(3).status());
        }
        c.await(c.node(l).removeMember(id(3), CHANGE_TIMEOUT), 20_000, "remove n3");
        if (!c.clock().await(() -> c.node(3).status().removed(), 2_000)) {
            throw fatal("n3 does not report its removal: " + c.node(3).status());
        }
        expectVoters(c.await(c.node(l).addMember(Member.voter(id(3)), CHANGE_TIMEOUT), 20_000, "re-add n3"), 0, 1, 2, 3);
        c.one(io.tally.testkit.harness.Commands.of(1), 4, false);
    }

    /** Where a change can be interrupted, as seen in the leader's log. */
    enum Step {
        REQUESTED(n -> true),
        NON_VOTERS_APPENDED(n -> n.configuration().contains(id(3))),
        NON_VOTERS_COMMITTED(n -> n.committedConfiguration().contains(id(3))),
        JOINT_APPENDED(n -> n.configuration().isJoint()),
        JOINT_COMMITTED(n -> n.committedConfiguration().isJoint()),
        NEW_APPENDED(n -> !n.configuration().isJoint() && n.configuration().isVoter(id(3)));

        final Predicate<RaftNode<Long>> reached;

        Step(Predicate<RaftNode<Long>> reached) {
            this.reached = reached;
        }
    }

    /**
     * The leader crashes at {@code step} of a change {n0,n1,n2} → {leader, one follower, n3, n4}. The cluster must
     * settle in a plain configuration — the old one or the target (the target if the joint configuration had
     * committed) — with one leader per term and nothing committed lost; the change then completes when retried.
     */
    static void changeInterruptedByCrash(SimCluster c, Step step) {
        int leader = c.checkOneLeader();
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(300);
        int keep = (leader + 1) % 3;
        int[] target = {leader, keep, 3, 4};
        Set<String> oldVoters = Set.of(id(0), id(1), id(2));
        Set<String> newVoters = Set.of(id(leader), id(keep), id(3), id(4));
        RaftNode<Long> l = c.node(leader);
        CompletableFuture<Membership> change = l.changeMembership(new ConfigChange.SetMembers(voters(target)), -1, CHANGE_TIMEOUT);
        if (!c.clock().await(() -> step.reached.test(l) || change.isDone(), 20_000)) {
            throw fatal("the change never reached step " + step);
        }
        if (change.isDone() && !step.reached.test(l)) {
            throw fatal("the change ended (" + change + ") before step " + step);
        }
        boolean jointCommitted = l.committedConfiguration().isJoint() || step == Step.NEW_APPENDED;
        c.crash(leader);
        // The survivors settle in a plain configuration: the joint one is left by whoever leads next.
        int[] survivors = {keep, (leader + 2) % 3, 3, 4};
        if (!c.clock().await(() -> settled(c, survivors), 15_000)) {
            throw fatal("after the crash at " + step + " the cluster did not settle: " + describe(c, survivors));
        }
        Configuration settled = c.node(c.currentLeader()).committedConfiguration();
        if (!settled.voters().equals(oldVoters) && !settled.voters().equals(newVoters)) {
            throw fatal("settled in " + settled + ", neither the old nor the new voters");
        }
        if (jointCommitted && !settled.voters().equals(newVoters)) {
            throw fatal("the joint configuration had committed, yet the cluster settled in " + settled);
        }
        c.start(leader);
        c.connect(leader);
        expectVoters(c.changeMembership(voters(target), 20_000), target);
        load.stopAndCheck(target);
    }

    /**
     * Membership changes as one more fault: for 20 s, every 200–700 ms one of partition, heal, crash, restart,
     * unreliable network on or off, or a change to a random set of voters (1 to 5 of the five nodes, asked of
     * whoever leads, not awaited). A client writes throughout. Then the faults stop, every node comes back, and
     * the cluster must settle in all five voters with every acknowledged write on every node.
     */
    static void membershipChurn(SimCluster c) {
        c.checkOneLeader();
        ClientLoad load = ClientLoad.startLenient(c, 1);
        long end = c.clock().nowMillis() + 20_000;
        while (c.clock().nowMillis() < end) {
            c.sleep(200 + c.random().nextInt(500));
            int action = c.random().nextInt(7);
            int victim = c.random().nextInt(5);
            switch (action) {
                case 0 -> {
                    List<Integer> side = new ArrayList<>();
                    List<Integer> other = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        (c.random().nextBoolean() ? side : other).add(i);
                    }
                    c.partition(side.stream().mapToInt(Integer::intValue).toArray(), other.stream().mapToInt(Integer::intValue).toArray());
                }
                case 1 -> c.heal();
                case 2 -> {
                    if (c.isUp(victim)) {
                        c.crash(victim);
                    }
                }
                case 3 -> {
                    if (!c.isUp(victim)) {
                        c.start(victim);
                        c.connect(victim);
                    }
                }
                case 4 -> c.setUnreliable(c.random().nextBoolean());
                default -> {
                    int leader = c.currentLeader();
                    if (leader >= 0) {
                        List<Member> members = new ArrayList<>();
                        for (int i = 0; i < 5; i++) {
                            if (c.random().nextInt(3) > 0) {
                                members.add(Member.voter(id(i)));
                            }
                        }
                        if (members.isEmpty()) {
                            members.add(Member.voter(id(victim)));
                        }
                        c.node(leader).changeMembership(new ConfigChange.SetMembers(members), -1, CHANGE_TIMEOUT);
                    }
                }
            }
        }
        c.heal();
        c.setUnreliable(false);
        for (int i = 0; i < 5; i++) {
            if (!c.isUp(i)) {
                c.start(i);
            }
            c.connect(i);
        }
        int[] all = {0, 1, 2, 3, 4};
        expectVoters(c.changeMembership(voters(all), 30_000), all);
        load.stopAndCheck(all);
    }

    /** A leader leads in a plain, committed configuration, and every surviving member of it has committed it too. */
    private static boolean settled(SimCluster c, int[] nodes) {
        int leader = c.currentLeader();
        if (leader < 0) {
            return false;
        }
        Configuration conf = c.node(leader).committedConfiguration();
        if (conf.isJoint() || !c.node(leader).configuration().equals(conf)) {
            return false;
        }
        for (int i : nodes) {
            if (conf.contains(id(i)) && !c.node(i).committedConfiguration().equals(conf)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(SimCluster c, int[] nodes) {
        StringBuilder sb = new StringBuilder();
        for (int i : nodes) {
            sb.append(id(i)).append(": ").append(c.node(i).state()).append(" committed ")
                    .append(c.node(i).committedConfiguration()).append(" latest ").append(c.node(i).configuration()).append("; ");
        }
        return sb.toString();
    }

    /** Removed (or restarted, unaware) nodes neither lead nor move the cluster's term for {@code millis}. */
    static void checkNoDisruption(SimCluster c, int[] removed, long millis) {
        int leader = waitLeader(c);
        long term = c.node(leader).term();
        c.sleep(millis);
        for (int r : removed) {
            if (c.node(r) != null && c.node(r).state() == RaftState.LEADER) {
                throw fatal("removed node " + id(r) + " leads");
            }
        }
        int now = waitLeader(c);
        if (now != leader || c.node(now).term() != term) {
            throw fatal("removed nodes disrupted the cluster: leader " + id(leader) + " term " + term + " became "
                    + id(now) + " term " + c.node(now).term());
        }
    }

    static int waitLeader(SimCluster c) {
        if (!c.clock().await(() -> c.currentLeader() >= 0, 10_000)) {
            throw fatal("no leader for 10 s");
        }
        return c.currentLeader();
    }

    static void expectVoters(Membership m, int... ids) {
        Set<String> want = new LinkedHashSet<>();
        for (int i : ids) {
            want.add(id(i));
        }
        if (m.configuration().isJoint() || !m.configuration().voters().equals(want)) {
            throw fatal("expected voters " + want + ", got " + m.configuration());
        }
    }

    static void expectFailure(SimCluster c, CompletableFuture<?> f, ClusterChangeException.Kind kind, String what) {
        c.clock().await(f::isDone, 20_000);
        Throwable e = f.isDone() ? f.handle((v, x) -> x).join() : null;
        if (e instanceof CompletionException ce) {
            e = ce.getCause();
        }
        if (!(e instanceof ClusterChangeException x) || x.kind() != kind) {
            throw fatal(what + ": expected " + kind + ", got " + (f.isDone() ? (e == null ? "success " + f.join() : e) : "no answer"));
        }
    }

    // ---------------------------------------------------------------- the scenarios, per seed

    @TestFactory
    Stream<DynamicTest> GrowShrink() {
        return Seeds.each(getClass(), "GrowShrink", seed -> {
            try (SimCluster c = growable(5, 1, seed)) {
                growShrink(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> ReplaceCrashed() {
        return Seeds.each(getClass(), "ReplaceCrashed", seed -> {
            try (SimCluster c = growable(4, 3, seed)) {
                replaceCrashed(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> RemoveLeader() {
        return Seeds.each(getClass(), "RemoveLeader", seed -> {
            try (SimCluster c = growable(3, 3, seed)) {
                removeLeader(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> BackToBackChanges() {
        return Seeds.each(getClass(), "BackToBackChanges", seed -> {
            try (SimCluster c = growable(5, 3, seed)) {
                backToBackChanges(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> ReAddOnIdleCluster() {
        return Seeds.each(getClass(), "ReAddOnIdleCluster", seed -> {
            try (SimCluster c = growable(4, 3, seed)) {
                reAddOnIdleCluster(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> MembershipChurn() {
        return Seeds.each(getClass(), "MembershipChurn", seed -> {
            try (SimCluster c = growable(5, 3, seed)) {
                membershipChurn(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> ChangeInterruptedByCrash() {
        return Seeds.each(getClass(), "ChangeInterruptedByCrash", seed -> {
            for (Step step : Step.values()) {
                try (SimCluster c = growable(5, 3, seed)) {
                    try {
                        changeInterruptedByCrash(c, step);
                    } catch (AssertionError e) {
                        throw new AssertionError("at step " + step + ": " + e.getMessage(), e);
                    }
                }
            }
        });
    }
}
