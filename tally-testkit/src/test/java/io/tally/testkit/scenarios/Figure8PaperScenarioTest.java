package io.tally.testkit.scenarios;

import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.testkit.harness.ApplyRecorder;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * Figure 8 of the Raft paper, steered step by step with partitions and crashes against real nodes, so that
 * the §5.4.2 commit rule is what stands between the cluster and a lost commit.
 *
 * <p>Why a steered version: a Tally leader appends a no-op of its term at once, and normally ships it with
 * the earlier-term entries, so a majority acknowledges an earlier-term entry without the no-op only while a
 * lagging follower is repaired entry by entry. The random Figure8 scenarios almost never land a crash in
 * that window (see docs/testing.md). Here the window is produced on purpose, with one entry per
 * AppendEntries:
 * <ol>
 *   <li>leader L1 (term t1) replicates X to A only;</li>
 *   <li>L1 crashes; L2 is elected by the other three (term t2) and cut off at once: its no-op at X's index
 *       reaches its own disk only; then L2 crashes;</li>
 *   <li>L1 restarts; L3 ∈ {L1, A} is elected (term t3) and repairs P and Q entry by entry — the moment L3
 *       applies X, it crashes;</li>
 *   <li>L2 restarts with P and Q: it can win only if neither holds L3's no-op, which the §5.4.2 rule
 *       guarantees whenever X was committed. With the rule broken, L2 wins without X (a leader
 *       completeness and state machine safety violation).</li>
 * </ol>
 */
class Figure8PaperScenarioTest {

    static RaftConfig config() {
        RaftConfig base = Cluster.scenarioConfig(true, true);
        return base.withFlowControl(base.flowControl().withMaxAppendEntries(1));
    }

    static void figure8Paper(SimCluster cfg) {
        int n = cfg.size();
        int l1 = cfg.checkOneLeader();
        cfg.one(Commands.of(1), n, true);
        int a = (l1 + 1) % n;
        int[] bcd = {(l1 + 2) % n, (l1 + 3) % n, (l1 + 4) % n};

        // 1. L1 replicates X to A only.
        cfg.partition(new int[] {l1, a}, bcd);
        byte[] x = Commands.of(8);
        if (cfg.startCommand(l1, x) == null) {
            throw fatal("L1 " + l1 + " no longer leads");
        }
        cfg.sleep(1);
        long xIndex = cfg.node(l1).lastLogIndex();
        if (!cfg.clock().await(() -> cfg.node(a).lastLogIndex() >= xIndex, 1_000)) {
            throw fatal("X did not reach A");
        }
        cfg.sleep(20); // durable on both
        cfg.crash(l1);

        // 2. B, C, D elect L2; it is cut off the moment it wins, so its no-op stays on its own disk.
        int l2 = awaitLeader(cfg, bcd, 10_000);
        cfg.disconnect(l2);
        cfg.sleep(20);
        if (cfg.node(l2).lastLogIndex() != xIndex) {
            throw fatal("expected L2's no-op at X's index " + xIndex + ", L2's log ends at " + cfg.node(l2).lastLogIndex());
        }
        cfg.crash(l2);
        List<Integer> pq = new ArrayList<>();
        for (int i : bcd) {
            if (i != l2) {
                pq.add(i);
            }
        }
        int p = pq.get(0);
        int q = pq.get(1);

        // 3. L1 restarts; L3 in {L1, A} repairs P and Q entry by entry and crashes the moment it applies X.
        cfg.partition(new int[] {l1, a, p, q}, new int[] {l2});
        cfg.start(l1);
        cfg.connect(l1);
        int l3 = awaitLeader(cfg, new int[] {l1, a}, 10_000);
        int l3Final = l3;
        if (!cfg.clock().await(() -> commandIndexOf(cfg, l3Final, x) > 0, 5_000)) {
            throw fatal("L3 " + l3 + " never applied X");
        }
        long xCommandIndex = commandIndexOf(cfg, l3, x);
        cfg.crash(l3);
        int other = l3 == l1 ? a : l1;

        // 4. L2 returns with P and Q only. X was applied, hence committed: no leader may lack it.
        cfg.partition(new int[] {l2, p, q}, new int[] {other});
        cfg.start(l2);
        cfg.connect(l2);
        cfg.sleep(3_000); // any leader elected here is checked for completeness as it takes office

        // 5. Heal and finish: everyone agrees, and X is where L3 applied it.
        cfg.heal();
        cfg.start(l3);
        cfg.connect(l3);
        cfg.one(Commands.of(9), n, true);
        ApplyRecorder.CommitCount c = cfg.nCommitted(xCommandIndex);
        if (c.count() != n || !Arrays.equals(c.command(), x)) {
            throw fatal("X was applied at command index " + xCommandIndex + " but now " + c.count()
                    + " nodes hold " + Commands.describe(c.command()) + " there");
        }
    }

    private static int awaitLeader(SimCluster cfg, int[] among, long maxMillis) {
        int[] found = {-1};
        boolean ok = cfg.clock().await(() -> {
            for (int i : among) {
                if (cfg.isUp(i) && cfg.node(i).state() == RaftState.LEADER) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        }, maxMillis);
        if (!ok) {
            throw fatal("no leader among " + Arrays.toString(among) + " within " + maxMillis + " ms");
        }
        return found[0];
    }

    private static long commandIndexOf(Cluster cfg, int node, byte[] command) {
        List<ApplyRecorder.Applied> applied = cfg.applied().appliedBy(node);
        for (int i = 0; i < applied.size(); i++) {
            if (Arrays.equals(applied.get(i).command(), command)) {
                return i + 1;
            }
        }
        return 0;
    }

    @TestFactory
    Stream<DynamicTest> Figure8Paper() {
        return Seeds.each(getClass(), "Figure8Paper", seed -> {
            try (SimCluster c = SimCluster.create(5, seed, config(), false)) {
                figure8Paper(c);
            }
        });
    }
}
