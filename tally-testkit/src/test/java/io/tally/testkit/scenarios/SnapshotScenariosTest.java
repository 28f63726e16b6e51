package io.tally.testkit.scenarios;

import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;
import static io.tally.testkit.scenarios.PersistenceScenariosTest.checkTimeout;
import static io.tally.testkit.scenarios.PersistenceScenariosTest.randInt;

/**
 * SCENARIOS.md, Snapshots (course 3D), in the simulator, one run per seed, on {@link Cluster#snapshotConfig()}:
 * a snapshot every 10 applied entries, none kept below it, InstallSnapshot streamed in several chunks.
 */
class SnapshotScenariosTest {

    /** The course's MAXLOGSIZE: no node's persisted Raft state (log and hard state) may reach it. */
    static final long MAX_LOG_SIZE = 2000;

    /** The course's SnapShotInterval; {@link Cluster#snapshotConfig()} snapshots as often. */
    static final int SNAPSHOT_INTERVAL = 10;

    static SimCluster cluster(long seed) {
        return SimCluster.create(3, seed, Cluster.snapshotConfig(), false);
    }

    /** The course's cfg.LogSize() check: every node's persisted Raft state, running or down, stays below the limit. */
    static void checkLogSize(Cluster cfg) {
        for (int i = 0; i < cfg.size(); i++) {
            long size = cfg.persistedBytes(i);
            if (size >= MAX_LOG_SIZE) {
                throw fatal("log size too large: " + Cluster.id(i) + " persists " + size + " bytes of Raft state (limit "
                        + MAX_LOG_SIZE + ")");
            }
        }
    }

    /**
     * Three nodes, 30 iterations: disconnect and/or crash a victim (every third time the leader, proposals
     * then going to the other node), propose 5–14 commands straight to the sender, commit one more, check the
     * log size, bring the victim back (it may need a snapshot to catch up), commit with all.
     */
    static void snapcommon(SimCluster cfg, boolean disconnect, boolean reliable, boolean crash) {
        long t0 = cfg.clock().nowMillis();
        int iters = 30;
        int servers = cfg.size();
        cfg.setUnreliable(!reliable);

        cfg.one(Commands.of(randInt(cfg)), servers, true);
        int leader1 = cfg.checkOneLeader();

        for (int i = 0; i < iters; i++) {
            int victim = (leader1 + 1) % servers;
            int sender = leader1;
            if (i % 3 == 1) {
                sender = (leader1 + 1) % servers;
                victim = leader1;
            }

            if (disconnect) {
                cfg.disconnect(victim);
                cfg.one(Commands.of(randInt(cfg)), servers - 1, true);
            }
            if (crash) {
                cfg.crash(victim);
                cfg.one(Commands.of(randInt(cfg)), servers - 1, true);
            }

            // perhaps send enough to get a snapshot
            int nn = SNAPSHOT_INTERVAL / 2 + (int) (randInt(cfg) % SNAPSHOT_INTERVAL);
            for (int k = 0; k < nn; k++) {
                cfg.startCommand(sender, Commands.of(randInt(cfg))); // the course ignores whether it was accepted
            }

            // let applier threads catch up with the Start()'s
            if (!disconnect && !crash) {
                // make sure all followers have caught up, so that an InstallSnapshot RPC isn't required for
                // SnapshotBasic
                cfg.one(Commands.of(randInt(cfg)), servers, true);
            } else {
                cfg.one(Commands.of(randInt(cfg)), servers - 1, true);
            }

            checkLogSize(cfg);
            if (disconnect) {
                // reconnect a follower, who maybe behind and needs to receive a snapshot to catch up
                cfg.connect(victim);
                cfg.one(Commands.of(randInt(cfg)), servers, true);
                leader1 = cfg.checkOneLeader();
            }
            if (crash) {
                cfg.start(victim);
                cfg.connect(victim);
                cfg.one(Commands.of(randInt(cfg)), servers, true);
                leader1 = cfg.checkOneLeader();
            }
        }
        checkTimeout(cfg, t0);
    }

    /** Three nodes, 5 rounds: commit 5–14 commands and one more, crash all, restart all; the index only grows. */
    static void allCrash(SimCluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();
        int iters = 5;

        cfg.one(Commands.of(randInt(cfg)), servers, true);

        for (int i = 0; i < iters; i++) {
            // perhaps enough to get a snapshot
            int nn = SNAPSHOT_INTERVAL / 2 + (int) (randInt(cfg) % SNAPSHOT_INTERVAL);
            for (int k = 0; k < nn; k++) {
                cfg.one(Commands.of(randInt(cfg)), servers, true);
            }

            long index1 = cfg.one(Commands.of(randInt(cfg)), servers, true);

            // crash all
            for (int k = 0; k < servers; k++) {
                cfg.crash(k);
            }

            // revive all
            for (int k = 0; k < servers; k++) {
                cfg.start(k);
                cfg.connect(k);
            }

            long index2 = cfg.one(Commands.of(randInt(cfg)), servers, true);
            if (index2 < index1 + 1) {
                throw fatal("index decreased from " + index1 + " to " + index2);
            }
        }
        checkTimeout(cfg, t0);
    }

    /**
     * Three nodes: commit enough for a snapshot, crash and restart all, commit one command (so persistent state
     * is written again), crash and restart all, commit: a restarted node must load its snapshot and no later
     * save may drop it.
     */
    static void init(SimCluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();

        cfg.one(Commands.of(randInt(cfg)), servers, true);

        // enough ops to make a snapshot
        int nn = SNAPSHOT_INTERVAL + 1;
        for (int k = 0; k < nn; k++) {
            cfg.one(Commands.of(randInt(cfg)), servers, true);
        }

        crashAndReviveAll(cfg);

        // a single op, to get something to be written back to persistent storage
        cfg.one(Commands.of(randInt(cfg)), servers, true);

        crashAndReviveAll(cfg);

        // do another op to trigger potential bug
        cfg.one(Commands.of(randInt(cfg)), servers, true);
        checkTimeout(cfg, t0);
    }

    private static void crashAndReviveAll(Cluster cfg) {
        for (int k = 0; k < cfg.size(); k++) {
            cfg.crash(k);
        }
        for (int k = 0; k < cfg.size(); k++) {
            cfg.start(k);
            cfg.connect(k);
        }
    }

    @TestFactory
    Stream<DynamicTest> SnapshotBasic() {
        return Seeds.each(getClass(), "SnapshotBasic", seed -> {
            try (SimCluster c = cluster(seed)) {
                snapcommon(c, false, true, false);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> SnapshotInstall() {
        return Seeds.each(getClass(), "SnapshotInstall", seed -> {
            try (SimCluster c = cluster(seed)) {
                snapcommon(c, true, true, false);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> SnapshotInstallUnreliable() {
        return Seeds.each(getClass(), "SnapshotInstallUnreliable", seed -> {
            try (SimCluster c = cluster(seed)) {
                snapcommon(c, true, false, false);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> SnapshotInstallCrash() {
        return Seeds.each(getClass(), "SnapshotInstallCrash", seed -> {
            try (SimCluster c = cluster(seed)) {
                snapcommon(c, false, true, true);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> SnapshotInstallUnCrash() {
        return Seeds.each(getClass(), "SnapshotInstallUnCrash", seed -> {
            try (SimCluster c = cluster(seed)) {
                snapcommon(c, false, false, true);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> SnapshotAllCrash() {
        return Seeds.each(getClass(), "SnapshotAllCrash", seed -> {
            try (SimCluster c = cluster(seed)) {
                allCrash(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> SnapshotInit() {
        return Seeds.each(getClass(), "SnapshotInit", seed -> {
            try (SimCluster c = cluster(seed)) {
                init(c);
            }
        });
    }
}
