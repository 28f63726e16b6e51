package io.tally.testkit.scenarios;

import io.tally.raft.NodeClosedException;
import io.tally.raft.RaftState;
import io.tally.storage.StorageCorruptionException;
import io.tally.storage.log.LogCorruptionException;
import io.tally.testkit.disk.SimFileSystem;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;
import io.tally.testkit.harness.SimFileDisk;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * SCENARIOS.md, Beyond the course, Disk: the real file stores on simulated disks. A crash lands at a sync
 * (the disk fails the node's next sync, then the node crashes), so whatever that sync would have made durable
 * may be lost or torn. The invariant checkers prove nothing committed is lost or changed; a node whose data
 * is corrupted refuses to start, so it never serves it.
 */
class DiskScenariosTest {

    /** Keeps the cluster writing: one command every few milliseconds through oneAsync. */
    private static List<CompletableFuture<Long>> load(SimCluster cfg, int base, int count) {
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            fs.add(cfg.oneAsync(Commands.of(base + k), 1, true));
        }
        return fs;
    }

    /** Crashes node {@code v} at its next sync (or now, if it writes nothing within 3 s), then restarts it. */
    private static void crashAtSync(SimCluster cfg, int v) {
        SimFileSystem fs = cfg.fileDisk(v).fileSystem();
        fs.setFailSync(true);
        cfg.clock().await(() -> cfg.node(v).state() == RaftState.SHUTDOWN, 3_000);
        cfg.crash(v);
        cfg.start(v);
        cfg.connect(v);
    }

    private static void crashesAtSync(SimCluster cfg, SimFileDisk.CrashModel model, int rounds) {
        int n = cfg.size();
        for (int i = 0; i < n; i++) {
            cfg.fileDisk(i).setCrashModel(model);
        }
        cfg.checkOneLeader();
        List<CompletableFuture<Long>> pending = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            pending.addAll(load(cfg, 1000 * (round + 1), 5));
            int victim = round % 3 == 0 ? cfg.checkOneLeader() : cfg.random().nextInt(n);
            crashAtSync(cfg, victim);
            cfg.one(Commands.of(round), n, true);
        }
        for (CompletableFuture<Long> f : pending) {
            cfg.await(f, 20_000, "background command");
        }
        cfg.one(Commands.of(999_999), n, true);
    }

    /** Crash at a sync losing every write it covered: acknowledged entries survive, the rest catch up. */
    static void lostUnsyncedWrites(SimCluster cfg) {
        crashesAtSync(cfg, SimFileDisk.CrashModel.LOSE_ALL_UNSYNCED, 20);
    }

    /** Crash at a sync keeping a prefix of its writes, the last one torn at a random byte: recovery truncates it. */
    static void tornWrite(SimCluster cfg) {
        crashesAtSync(cfg, SimFileDisk.CrashModel.RANDOM, 30);
    }

    /** A flipped bit in the middle of a follower's log: it refuses to start, naming file, offset and index. */
    static void bitFlip(SimCluster cfg) throws IOException {
        int n = cfg.size();
        int leader = cfg.checkOneLeader();
        for (int k = 0; k < 40; k++) {
            cfg.one(Commands.of(k), n, true);
        }
        int victim = (leader + 1 + cfg.random().nextInt(n - 1)) % n;
        cfg.crash(victim);
        SimFileDisk disk = cfg.fileDisk(victim);
        SimFileSystem fs = disk.fileSystem();
        Path segment = disk.logDir().resolve(fs.list(disk.logDir()).stream().filter(s -> s.endsWith(".seg")).findFirst()
                .orElseThrow(() -> fatal("no log segment for node " + victim)));
        long dataEnd = lastNonZeroByte(fs, segment) + 1;
        long offset = 32 + cfg.random().nextLong(Math.max(1, dataEnd - 32)); // inside the records, past the header
        fs.flipBit(segment, offset, cfg.random().nextInt(8));
        try {
            cfg.start(victim);
            throw fatal("node " + victim + " started on a log with a flipped bit at " + segment + ":" + offset);
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof LogCorruptionException c)) {
                throw fatal("expected LogCorruptionException, got " + e.getCause());
            }
            if (!c.getMessage().contains(segment.toString()) || c.offset() < 32 || c.index() < 1) {
                throw fatal("the error must name file, offset and index: " + c.getMessage());
            }
        }
        if (cfg.isUp(victim)) {
            throw fatal("the corrupted node must stay down");
        }
        cfg.one(Commands.of(100), n - 1, true); // the others carry on without it
    }

    /** A flipped bit in the hard state: the node refuses to start rather than forget its term or vote. */
    static void bitFlipInHardState(SimCluster cfg) throws IOException {
        int leader = cfg.checkOneLeader();
        cfg.one(Commands.of(1), cfg.size(), true);
        int victim = (leader + 1) % cfg.size();
        cfg.crash(victim);
        SimFileDisk disk = cfg.fileDisk(victim);
        Path hardState = disk.stableDir().resolve("hard-state");
        disk.fileSystem().flipRandomBit(hardState, cfg.random());
        try {
            cfg.start(victim);
            throw fatal("node " + victim + " started on a corrupted hard state");
        } catch (UncheckedIOException e) {
            Throwable cause = e.getCause();
            while (cause != null && !(cause instanceof StorageCorruptionException)) {
                cause = cause.getCause();
            }
            if (cause == null) {
                throw fatal("expected StorageCorruptionException, got " + e);
            }
        }
        cfg.one(Commands.of(2), cfg.size() - 1, true);
    }

    /**
     * The leader's disk fills up: its write fails cleanly, it stops (clients get errors, never a false
     * success), the others elect a leader and go on; with space again it restarts, recovers and catches up.
     */
    static void diskFull(SimCluster cfg) {
        int n = cfg.size();
        int leader = cfg.checkOneLeader();
        cfg.one(Commands.of(1), n, true);
        SimFileSystem fs = cfg.fileDisk(leader).fileSystem();
        fs.setCapacity(fs.totalSize());
        List<CompletableFuture<Long>> onFullLeader = new ArrayList<>();
        for (int k = 0; k < 2_000 && cfg.node(leader).state() != RaftState.SHUTDOWN; k++) {
            onFullLeader.add(cfg.node(leader).apply(Commands.of(10_000 + k)));
            cfg.sleep(2);
        }
        if (cfg.node(leader).state() != RaftState.SHUTDOWN) {
            throw fatal("the leader with a full disk should have stopped");
        }
        String why = String.valueOf(cfg.node(leader).fatalError().orElseThrow());
        if (!why.contains("No space left on device")) {
            throw fatal("the leader should stop because its disk is full, but: " + why);
        }
        cfg.sleep(10);
        int failed = 0;
        for (CompletableFuture<Long> f : onFullLeader) {
            if (f.isCompletedExceptionally() && f.handle((v, e) -> e).join() instanceof NodeClosedException) {
                failed++;
            } else if (!f.isDone()) {
                throw fatal("a proposal to the stopped leader is still pending");
            }
        }
        if (failed == 0) {
            throw fatal("some proposals to the full leader should have failed with NodeClosedException");
        }
        cfg.one(Commands.of(2), n - 1, true); // the others elect a new leader and go on
        fs.setCapacity(SimFileSystem.UNLIMITED);
        cfg.crash(leader);
        cfg.start(leader);
        cfg.connect(leader);
        cfg.one(Commands.of(3), n, true);
    }

    private static long lastNonZeroByte(SimFileSystem fs, Path file) throws IOException {
        try (var f = fs.open(file, false)) {
            long size = f.size();
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            f.readFully(buf, 0);
            for (int i = (int) size - 1; i >= 0; i--) {
                if (buf.get(i) != 0) {
                    return i;
                }
            }
            return 0;
        }
    }

    @TestFactory
    Stream<DynamicTest> LostUnsyncedWrites() {
        return Seeds.each(getClass(), "LostUnsyncedWrites", seed -> {
            try (SimCluster c = SimCluster.createWithFileStorage(5, seed)) {
                lostUnsyncedWrites(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> TornWrite() {
        return Seeds.each(getClass(), "TornWrite", seed -> {
            try (SimCluster c = SimCluster.createWithFileStorage(5, seed)) {
                tornWrite(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> BitFlip() {
        return Seeds.each(getClass(), "BitFlip", seed -> {
            try (SimCluster c = SimCluster.createWithFileStorage(5, seed)) {
                bitFlip(c);
            }
            try (SimCluster c = SimCluster.createWithFileStorage(3, seed)) {
                bitFlipInHardState(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> DiskFull() {
        return Seeds.each(getClass(), "DiskFull", seed -> {
            try (SimCluster c = SimCluster.createWithFileStorage(5, seed)) {
                diskFull(c);
            }
        });
    }
}
