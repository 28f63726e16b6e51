package io.tally.testkit.scenarios;

import io.tally.raft.Safeguard;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.testkit.disk.SimFileSystem;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.SimCluster;
import io.tally.testkit.harness.SimFileDisk;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * SCENARIOS.md, Beyond the course, "Crash points": InstallSnapshotCrashPoints and SnapshotTakeCrashPoints. Three
 * nodes keep their log, hard state and snapshots in the real file stores on simulated disks (a snapshot every 10
 * entries, 1 KiB InstallSnapshot chunks). For each seed the scenario first runs without a crash and counts the
 * file-system operations of one node's snapshot work; then it runs once per operation, crashing that node right at
 * it — losing or tearing whatever was not yet synced (odd points: a random prefix of the unsynced writes kept, the
 * last one possibly torn; even points: all of them lost) — and restarts it at once. Every crash point of every seed
 * must give a node that restarts and converges: it applies new commands with the others, and the invariant checkers
 * (nothing committed lost or changed) hold throughout.
 *
 * <ul>
 *   <li><b>InstallSnapshotCrashPoints</b>: a follower cut off while the others write 30 commands (so they compact
 *       past its log) is reconnected and installs their snapshot: the operations counted are those from its
 *       reconnection until it applies the next command — the chunks written, the snapshot committed, the log reset
 *       for it, and the appends after. Control run: without {@link Safeguard#SNAPSHOT_LOG_RECONCILIATION} a crash
 *       between committing the snapshot and resetting the log leaves a node that cannot append any more.</li>
 *   <li><b>SnapshotTakeCrashPoints</b>: a node (the leader a third of the time) takes a snapshot while commands keep
 *       coming: the operations counted run from its first write to its snapshot directory until the log is compacted
 *       behind the snapshot. Control run: the node's disk ignores directory syncs of its snapshot directory (a disk
 *       that lies), and some crash point then loses a snapshot the log was compacted against.</li>
 * </ul>
 */
class SnapshotCrashPointsTest {

    static final int CONTROL_SEEDS = 5;

    /** 200-byte commands, so that the snapshot spans several 1 KiB chunks. */
    static byte[] command(int v) {
        byte[] b = new byte[200];
        Arrays.fill(b, (byte) 'x');
        byte[] head = ("cmd-" + v + "-").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, b, 0, head.length);
        return b;
    }

    /** Counts the victim's file-system operations in a window and crashes it at the {@code crashAt}-th (0: never). */
    private static final class CrashPoint {
        final SimCluster cfg;
        final int victim;
        final int crashAt;
        int counted;
        boolean crashed;

        CrashPoint(SimCluster cfg, int victim, int crashAt) {
            this.cfg = cfg;
            this.victim = victim;
            this.crashAt = crashAt;
        }

        /** Called for every operation of the victim while the window is open. */
        void count() {
            counted++;
            if (counted == crashAt && !crashed) {
                crashed = true;
                cfg.fileDisk(victim).setCrashModel(crashAt % 2 == 1 ? SimFileDisk.CrashModel.RANDOM
                        : SimFileDisk.CrashModel.LOSE_ALL_UNSYNCED);
                cfg.crash(victim); // the operation under way fails: its disk is gone
                cfg.simulation().schedule(0, "restart " + victim, () -> {
                    cfg.start(victim); // refusing to start fails the run here
                    cfg.connect(victim);
                });
            }
        }
    }

    // ------------------------------------------------------------------ InstallSnapshotCrashPoints

    /** One run; returns how many operations the window counted (the crash points of a fault-free run). */
    static int installSnapshot(long seed, int crashAt, boolean control) {
        try (SimCluster cfg = SimCluster.createWithFileStorage(3, seed, Cluster.snapshotConfig())) {
            if (control) {
                cfg.withoutSafeguard(Safeguard.SNAPSHOT_LOG_RECONCILIATION);
            }
            int leader = cfg.checkOneLeader();
            int v = (leader + 1 + cfg.random().nextInt(2)) % 3;
            cfg.one(command(0), 3, true);
            cfg.disconnect(v);
            for (int i = 1; i <= 30; i++) {
                cfg.one(command(i), 2, true);
            }
            CrashPoint point = new CrashPoint(cfg, v, crashAt);
            SimFileSystem fs = cfg.fileDisk(v).fileSystem();
            fs.setOperationListener((op, path) -> point.count());
            cfg.connect(v);
            cfg.one(command(100), 3, true); // the victim installed the snapshot (or crashed and recovered) and applies
            int window = point.counted;
            fs.setOperationListener(null);
            cfg.one(command(101), 3, true);
            return window;
        }
    }

    static void installSnapshotCrashPoints(long seed, boolean control) {
        int points = installSnapshot(seed, 0, control);
        if (!control) {
            System.out.println("InstallSnapshotCrashPoints seed " + seed + ": " + points + " crash points");
        }
        for (int k = 1; k <= points; k++) {
            try {
                installSnapshot(seed, k, control);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("crash at operation " + k + " of " + points + ": " + e, e);
            }
        }
    }

    // ------------------------------------------------------------------ SnapshotTakeCrashPoints

    /**
     * The window of a node taking a snapshot: it opens at the first operation under the node's snapshot directory,
     * and closes once the node's log store starts after the first snapshot committed in the window.
     */
    private static final class TakeWindow {
        final SimCluster cfg;
        final int v;
        final CrashPoint point;
        final String snapshotDir;
        boolean open;
        boolean closed;

        TakeWindow(SimCluster cfg, int v, CrashPoint point) {
            this.cfg = cfg;
            this.v = v;
            this.point = point;
            this.snapshotDir = cfg.fileDisk(v).snapshotDir().toString() + "/";
        }

        void onOperation(String path) {
            if (closed) {
                return;
            }
            if (!open && path.startsWith(snapshotDir)) {
                open = true;
            }
            if (!open) {
                return;
            }
            if (compacted()) {
                closed = true;
                return;
            }
            point.count();
            if (point.crashed) {
                closed = true;
            }
        }

        private boolean compacted() {
            try {
                List<SnapshotMeta> snaps = cfg.disk(v).snapshotStore().list();
                LogStore log = cfg.disk(v).logStore();
                return !snaps.isEmpty() && log.firstIndex() > snaps.get(snaps.size() - 1).lastIndex()
                        && log.firstIndex() > 1;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static int takeSnapshot(long seed, int crashAt, boolean control) {
        try (SimCluster cfg = SimCluster.createWithFileStorage(3, seed, Cluster.snapshotConfig())) {
            int leader = cfg.checkOneLeader();
            int v = cfg.random().nextInt(3) == 0 ? leader : (leader + 1 + cfg.random().nextInt(2)) % 3;
            CrashPoint point = new CrashPoint(cfg, v, crashAt);
            TakeWindow window = new TakeWindow(cfg, v, point);
            SimFileSystem fs = cfg.fileDisk(v).fileSystem();
            if (control) {
                fs.setIgnoreDirectorySyncsUnder(cfg.fileDisk(v).snapshotDir());
            }
            fs.setOperationListener((op, path) -> window.onOperation(path));
            List<java.util.concurrent.CompletableFuture<Long>> background = new ArrayList<>();
            for (int i = 1; i <= 25 && !window.closed; i++) {
                background.add(cfg.oneAsync(command(i), 1, true));
                cfg.sleep(5);
            }
            for (var f : background) {
                cfg.await(f, 20_000, "background command");
            }
            cfg.clock().await(() -> window.closed, 5_000);
            int counted = point.counted;
            if (!point.crashed) {
                fs.setOperationListener(null);
            }
            cfg.one(command(100), 3, true);
            cfg.one(command(101), 3, true);
            return counted;
        }
    }

    static void snapshotTakeCrashPoints(long seed, boolean control) {
        int points = takeSnapshot(seed, 0, control);
        if (!control) {
            System.out.println("SnapshotTakeCrashPoints seed " + seed + ": " + points + " crash points");
        }
        if (points == 0) {
            throw new AssertionError("the node took no snapshot: the scenario saw no crash point");
        }
        for (int k = 1; k <= points; k++) {
            try {
                takeSnapshot(seed, k, control);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("crash at operation " + k + " of " + points + ": " + e, e);
            }
        }
    }

    // ------------------------------------------------------------------ control runs

    private static void controlCatches(String scenario, Seeds.Body control) {
        List<Long> caught = new ArrayList<>();
        for (long seed = 1; seed <= CONTROL_SEEDS; seed++) {
            try {
                control.run(seed);
            } catch (Throwable e) {
                caught.add(seed);
                if (caught.size() == 1) {
                    System.out.println(scenario + " control run, seed " + seed + ": " + String.valueOf(e.getMessage()).lines()
                            .findFirst().orElse(""));
                }
            }
        }
        System.out.println(scenario + " control run: failed on " + caught.size() + " of " + CONTROL_SEEDS + " seeds " + caught);
        assertFalse(caught.isEmpty(), scenario + " without its protection passed on all " + CONTROL_SEEDS
                + " seeds: the scenario cannot see the fault");
    }

    private static Stream<DynamicTest> scenario(String name, Seeds.Body body) {
        return Seeds.each(SnapshotCrashPointsTest.class, name, Seeds.heavyCount(), body);
    }

    @TestFactory Stream<DynamicTest> InstallSnapshotCrashPoints() {
        return scenario("InstallSnapshotCrashPoints", s -> installSnapshotCrashPoints(s, false));
    }

    @TestFactory Stream<DynamicTest> SnapshotTakeCrashPoints() {
        return scenario("SnapshotTakeCrashPoints", s -> snapshotTakeCrashPoints(s, false));
    }

    @Test void InstallSnapshotCrashPointsControl() {
        controlCatches("InstallSnapshotCrashPoints", s -> installSnapshotCrashPoints(s, true));
    }

    @Test void SnapshotTakeCrashPointsControl() {
        controlCatches("SnapshotTakeCrashPoints", s -> snapshotTakeCrashPoints(s, true));
    }
}
