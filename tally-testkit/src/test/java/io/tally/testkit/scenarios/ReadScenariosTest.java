package io.tally.testkit.scenarios;

import io.tally.raft.RaftState;
import io.tally.testkit.harness.ApplyRecorder;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * SCENARIOS.md, Beyond the course: StaleReadAfterLeaderChange. A new leader serves no ReadIndex read until
 * an entry of its own term is committed, and a deposed leader serves none.
 *
 * <p>Each round acknowledges a write through the leader and at once cuts that leader off. Every node issues a
 * ReadIndex read the moment it becomes leader, when its commit index may still lag the acknowledged write;
 * the cut-off leader issues one too. Afterwards: every read that succeeded returned an index covering every
 * write acknowledged before the read was issued (else it would have been served from a stale state), and no
 * read issued on the cut-off leader succeeded.
 */
class ReadScenariosTest {

    private record Read(String where, long ackedBefore, boolean mustFail, CompletableFuture<Long> result) {
    }

    static void staleReadAfterLeaderChange(SimCluster cfg) {
        int n = cfg.size();
        List<Read> reads = new ArrayList<>();
        long[] acked = {0};
        for (int i = 0; i < n; i++) {
            int node = i;
            cfg.node(i).addLeaderListener(change -> {
                if (change.state() == RaftState.LEADER && change.nodeId().equals(change.leaderId())) {
                    reads.add(new Read(SimCluster.id(node) + " elected in term " + change.term(), acked[0], false,
                            cfg.node(node).readIndex(Duration.ofSeconds(3))));
                }
            });
        }
        cfg.one(Commands.of(1), n, true);
        for (int round = 0; round < 4; round++) {
            int leader = cfg.checkOneLeader();
            byte[] cmd = Commands.of(100 + round);
            CompletableFuture<Long> f = cfg.node(leader).apply(cmd);
            cfg.await(f, 5_000, "write through leader " + leader);
            acked[0] = Math.max(acked[0], raftIndexOf(cfg.applied().appliedBy(leader), cmd));
            cfg.disconnect(leader); // deposed: the others elect a leader that may not know the write committed
            reads.add(new Read(SimCluster.id(leader) + " cut off", acked[0], true,
                    cfg.node(leader).readIndex(Duration.ofSeconds(3))));
            cfg.checkOneLeader();
            cfg.one(Commands.of(200 + round), n - 1, true);
            cfg.connect(leader);
            cfg.one(Commands.of(300 + round), n, true);
        }
        cfg.sleep(4_000); // every read has answered or timed out
        int served = 0;
        for (Read r : reads) {
            if (!r.result().isDone()) {
                throw fatal("read on " + r.where() + " neither answered nor timed out");
            }
            if (r.result().isCompletedExceptionally()) {
                continue;
            }
            long index = r.result().join();
            if (r.mustFail()) {
                throw fatal("a deposed leader served a read (" + r.where() + ", index " + index + ")");
            }
            if (index < r.ackedBefore()) {
                throw fatal("stale read on " + r.where() + ": read index " + index
                        + " misses the write acknowledged at index " + r.ackedBefore());
            }
            served++;
        }
        if (served == 0) {
            throw fatal("no read was served at all: the scenario checked nothing");
        }
    }

    private static long raftIndexOf(List<ApplyRecorder.Applied> applied, byte[] cmd) {
        for (ApplyRecorder.Applied a : applied) {
            if (Arrays.equals(a.command(), cmd)) {
                return a.raftIndex();
            }
        }
        throw fatal("acknowledged command " + Commands.describe(cmd) + " is not in the leader's applied list");
    }

    @TestFactory
    Stream<DynamicTest> StaleReadAfterLeaderChange() {
        return Seeds.each(getClass(), "StaleReadAfterLeaderChange", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                staleReadAfterLeaderChange(c);
            }
        });
    }
}
