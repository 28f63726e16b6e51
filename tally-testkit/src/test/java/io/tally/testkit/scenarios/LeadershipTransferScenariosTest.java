package io.tally.testkit.scenarios;

import io.tally.raft.ClusterChangeException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftState;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static io.tally.testkit.harness.Cluster.id;

/**
 * SCENARIOS.md, Leadership transfer: to an up-to-date node, to a lagging one (caught up first), and to one that
 * dies mid-transfer (the transfer aborts after an election timeout and the old leader takes proposals again).
 */
class LeadershipTransferScenariosTest {

    /** Transfer to an up-to-date follower: it leads within an election timeout; proposals meanwhile are refused. */
    static void transferToUpToDate(SimCluster c) {
        int leader = c.checkOneLeader();
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(300);
        int target = (leader + 1 + c.random().nextInt(c.size() - 1)) % c.size();
        long term = c.node(leader).term();
        CompletableFuture<String> t = c.node(leader).transferLeadership(id(target));
        CompletableFuture<Long> during = c.node(leader).apply(Commands.of(-1));
        String newLeader = c.await(t, c.electionTimeoutMillis() + 200, "transfer to " + id(target));
        if (!newLeader.equals(id(target)) || c.node(target).state() != RaftState.LEADER || c.node(target).term() <= term) {
            throw fatal("transfer reported " + newLeader + " but " + id(target) + " is " + c.node(target).state());
        }
        c.clock().await(during::isDone, 1_000);
        if (!during.isCompletedExceptionally() || !(cause(during) instanceof NotLeaderException)) {
            throw fatal("a proposal during the transfer was not refused: " + during);
        }
        c.sleep(500);
        load.stopAndCheck(0, 1, 2);
    }

    /** Transfer to a follower that missed entries: the leader catches it up first, then it takes over. */
    static void transferToLagging(SimCluster c) {
        int leader = c.checkOneLeader();
        int target = (leader + 1) % c.size();
        c.disconnect(target);
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(1_000); // it misses about a second of writes
        c.connect(target);
        if (c.node(target).lastLogIndex() >= c.node(leader).lastLogIndex()) {
            throw fatal("the target is not lagging");
        }
        CompletableFuture<String> t = c.node(leader).transferLeadership(id(target));
        String newLeader = c.await(t, c.electionTimeoutMillis() + 200, "transfer to lagging " + id(target));
        if (!newLeader.equals(id(target))) {
            throw fatal("leadership went to " + newLeader + ", not " + id(target));
        }
        c.sleep(500);
        load.stopAndCheck(0, 1, 2);
    }

    /** The target crashes mid-transfer: the transfer aborts, and the old leader accepts proposals again. */
    static void transferTargetDies(SimCluster c) {
        int leader = c.checkOneLeader();
        ClientLoad load = ClientLoad.start(c, 1);
        c.sleep(300);
        int target = (leader + 1) % c.size();
        long term = c.node(leader).term();
        c.disconnect(target); // dies before it can receive TimeoutNow
        CompletableFuture<String> t = c.node(leader).transferLeadership(id(target));
        c.crash(target);
        c.clock().await(t::isDone, 2 * c.electionTimeoutMillis());
        Throwable e = t.isDone() ? cause(t) : null;
        if (!(e instanceof ClusterChangeException x) || x.kind() != ClusterChangeException.Kind.FAILED) {
            throw fatal("transfer to a dead target should fail after an election timeout, got " + (t.isDone() ? e : "no answer"));
        }
        if (c.node(leader).state() != RaftState.LEADER || c.node(leader).term() != term) {
            throw fatal("the old leader should still lead term " + term + ": " + c.node(leader).status());
        }
        c.one(Commands.of(-2), 2, false); // proposals are accepted again
        c.start(target);
        c.connect(target);
        load.stopAndCheck(0, 1, 2);
    }

    private static Throwable cause(CompletableFuture<?> f) {
        Throwable e = f.handle((v, x) -> x).join();
        return e instanceof CompletionException ce ? ce.getCause() : e;
    }

    @TestFactory
    Stream<DynamicTest> TransferToUpToDate() {
        return Seeds.each(getClass(), "TransferToUpToDate", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                transferToUpToDate(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> TransferToLagging() {
        return Seeds.each(getClass(), "TransferToLagging", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                transferToLagging(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> TransferTargetDies() {
        return Seeds.each(getClass(), "TransferTargetDies", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                transferTargetDies(c);
            }
        });
    }
}
