package io.tally.testkit.scenarios;

import io.tally.raft.OverloadedException;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftException;
import io.tally.raft.node.RaftNode;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Member;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;
import io.tally.testkit.sim.LatencyModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * SCENARIOS.md, Beyond the course, "Runtime contracts": CloseCompletesEverything and ProposalFlood, on real nodes in
 * the simulator. (SessionExpiry, the third, is a key/value scenario.)
 */
class RuntimeContractScenariosTest {

    /** A request handed to a node, and what it is. */
    private record Issued(int node, String kind, CompletableFuture<?> future) {
    }

    /**
     * Node 0's disk is slow (an fsync takes 20–80 ms; the others' 0.2–1 ms) and every node's applies lag (up to 3 ms a
     * task): when node 0 leads, its two faster followers commit entries before it has them durable, so a confirmed
     * read waits in its applier for entries it cannot apply yet — the read issue 11 found never completing at close.
     */
    static LatencyModel latencyOf(int node) {
        long writerMin = node == 0 ? 20_000_000L : 200_000L;
        long writerSpan = node == 0 ? 60_000_000L : 800_000L;
        return (role, r) -> role == io.tally.raft.runtime.ExecutorRole.LOG_WRITER ? writerMin + r.nextLong(writerSpan)
                : role == io.tally.raft.runtime.ExecutorRole.APPLY ? r.nextLong(3_000_000L) : 0L;
    }

    /**
     * CloseCompletesEverything: every kind of request — proposals and barriers (with and without timeouts), ReadIndex
     * and lease reads, snapshots, replication-progress queries, membership changes, leadership transfers — is issued
     * to random nodes every few milliseconds; now and then a random node is closed, and soon after (once whatever it
     * had queued has run) every future it handed out must be complete (with its result, a typed error, its timeout or
     * {@code NodeClosedException}); the node is then restarted and the load goes on. At the end every node is closed, and nothing is left pending.
     */
    static void closeCompletesEverything(long seed) {
        try (SimCluster c = SimCluster.create(3, seed, Cluster.snapshotConfig(), RuntimeContractScenariosTest::latencyOf)) {
            RandomGenerator rnd = c.random();
            if (c.checkOneLeader() != 0) {
                c.await(c.node(c.currentLeader()).transferLeadership("n0"), 5_000, "moving leadership to the slow node");
            }
            List<Issued> issued = new ArrayList<>();
            for (int step = 0; step < 400; step++) {
                int i = rnd.nextInt(4) == 0 ? rnd.nextInt(3) : Math.max(0, c.currentLeader()); // mostly the leader
                if (c.isUp(i)) {
                    issued.add(issue(c.node(i), i, rnd));
                }
                if (rnd.nextInt(60) == 0) {
                    int victim = rnd.nextInt(3) > 0 && c.currentLeader() >= 0 ? c.currentLeader() : rnd.nextInt(3);
                    if (c.isUp(victim)) {
                        c.node(victim).close();
                        c.sleep(500); // whatever the closing node still had queued has run
                        checkAllDone(issued, victim, "500 ms after node " + victim + " was closed at step " + step);
                        issued.removeIf(x -> x.node() == victim);
                        c.start(victim);
                    }
                }
                c.sleep(1 + rnd.nextInt(5));
            }
            for (int i = 0; i < 3; i++) {
                if (c.isUp(i)) {
                    c.node(i).close();
                    c.sleep(500);
                    checkAllDone(issued, i, "500 ms after node " + i + " was closed at the end");
                }
            }
        }
    }

    private static Issued issue(RaftNode<Long> node, int i, RandomGenerator rnd) {
        Duration timeout = rnd.nextBoolean() ? null : Duration.ofMillis(5 + rnd.nextInt(300));
        return switch (rnd.nextInt(12)) {
            case 0, 1 -> new Issued(i, "apply", node.apply(Commands.of(rnd.nextInt(1_000_000)), timeout));
            case 2 -> new Issued(i, "barrier", node.barrier(timeout));
            case 3, 10 -> new Issued(i, "readIndex", node.readIndex(timeout));
            case 4, 11 -> new Issued(i, "leaseRead", node.leaseRead(timeout));
            case 5 -> new Issued(i, "snapshot", node.snapshot());
            case 6 -> new Issued(i, "replicationProgress", node.replicationProgress());
            case 7 -> new Issued(i, "transferLeadership", node.transferLeadership(null));
            case 8 -> new Issued(i, "addNonVoter", node.changeMembership(
                    new ConfigChange.AddMember(Member.nonVoter("n9", "")), -1, Duration.ofMillis(200 + rnd.nextInt(500))));
            default -> new Issued(i, "removeNonVoter", node.changeMembership(
                    new ConfigChange.RemoveMember("n9"), -1, Duration.ofMillis(200 + rnd.nextInt(500))));
        };
    }

    private static void checkAllDone(List<Issued> issued, int node, String when) {
        for (Issued x : issued) {
            if (x.node() != node) {
                continue;
            }
            if (!x.future().isDone()) {
                throw fatal("a " + x.kind() + " request to node " + node + " is still pending " + when);
            }
            Throwable e = x.future().handle((r, err) -> err).join();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause != null && !(cause instanceof RaftException) && !(cause instanceof IllegalStateException)) {
                throw fatal("a " + x.kind() + " request to node " + node + " failed with an untyped error: " + cause);
            }
        }
    }

    /** What a flood saw: the most proposals outstanding at once, the longest uncommitted log tail, refusals. */
    private record Flood(int maxOutstanding, long maxUncommitted, long refused) {

        void check(int limit) {
            if (maxOutstanding > limit) {
                throw fatal("the leader held " + maxOutstanding + " proposals at once; its bound is " + limit);
            }
            if (maxUncommitted > limit + 1) {
                throw fatal("the leader's log ran " + maxUncommitted + " entries ahead of its commit index; bound " + limit);
            }
            if (refused == 0) {
                throw fatal("nothing was refused: the flood never reached the bound");
            }
        }
    }

    /**
     * ProposalFlood: a client floods whichever node leads with proposals (300 every 2 ms of virtual time for 1.5 s)
     * while another client commits one command every 100 ms through {@code one()}. Proposals beyond the node's
     * bound must fail at once with {@link OverloadedException}; the requests a node holds, and its log beyond the
     * commit index, must stay within the bound (bounded memory); and the other client's commands must all commit (the
     * cluster keeps working).
     */
    static Flood proposalFlood(long seed, RaftConfig config) {
        try (SimCluster c = SimCluster.create(3, seed, config, false)) {
            c.checkOneLeader();
            List<CompletableFuture<Long>> flood = new ArrayList<>();
            List<CompletableFuture<Long>> steady = new ArrayList<>();
            long[] refused = {0};
            long[] maxUncommitted = {0};
            int maxOutstanding = 0;
            for (int tick = 0; tick < 750; tick++) {
                int leader = c.currentLeader();
                if (leader >= 0) {
                    RaftNode<Long> node = c.node(leader);
                    for (int k = 0; k < 300; k++) {
                        CompletableFuture<Long> f = node.apply(new byte[64]);
                        if (f.isCompletedExceptionally() && f.handle((r, e) -> e).join() instanceof OverloadedException) {
                            refused[0]++;
                        } else {
                            flood.add(f);
                        }
                    }
                    maxUncommitted[0] = Math.max(maxUncommitted[0], node.lastLogIndex() - node.commitIndex());
                }
                flood.removeIf(CompletableFuture::isDone);
                maxOutstanding = Math.max(maxOutstanding, flood.size());
                if (tick % 50 == 0) {
                    steady.add(c.oneAsync(Commands.of(tick), 3, true));
                }
                c.sleep(2);
            }
            for (CompletableFuture<Long> f : steady) {
                c.await(f, 30_000, "a steady client's command during the flood");
            }
            return new Flood(maxOutstanding, maxUncommitted[0], refused[0]);
        }
    }

    static RaftConfig floodConfig() {
        return Cluster.scenarioConfig(true, true).withPendingLimits(2_000, 8L << 20);
    }

    private static Stream<DynamicTest> scenario(String name, Seeds.Body body) {
        return Seeds.each(RuntimeContractScenariosTest.class, name, body);
    }

    @TestFactory Stream<DynamicTest> CloseCompletesEverything() {
        return scenario("CloseCompletesEverything", RuntimeContractScenariosTest::closeCompletesEverything);
    }

    @TestFactory Stream<DynamicTest> ProposalFlood() {
        return Seeds.each(RuntimeContractScenariosTest.class, "ProposalFlood", Seeds.heavyCount(),
                s -> proposalFlood(s, floodConfig()).check(floodConfig().maxPendingRequests()));
    }

    /** The control run: without a bound (limits as large as they go) the same flood holds far more than the bound. */
    @Test void ProposalFloodControl() {
        RaftConfig unbounded = floodConfig().withPendingLimits(Integer.MAX_VALUE, Long.MAX_VALUE);
        Flood f = proposalFlood(1, unbounded);
        AssertionError e = assertThrows(AssertionError.class, () -> f.check(floodConfig().maxPendingRequests()));
        System.out.println("ProposalFlood control run (no bound): " + e.getMessage());
    }
}
