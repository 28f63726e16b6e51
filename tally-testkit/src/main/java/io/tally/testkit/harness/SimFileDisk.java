package io.tally.testkit.harness;

import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.snapshot.FileSnapshotStore;
import io.tally.storage.stable.FileStableStore;
import io.tally.testkit.disk.SimFileSystem;

import java.io.IOException;
import java.nio.file.Path;
import java.util.random.RandomGenerator;

/**
 * A node's real file storage ({@link SegmentedLogStore}, {@link FileStableStore}, {@link FileSnapshotStore}
 * retaining two snapshots) on its own simulated disk.
 * A crash keeps what the {@link CrashModel} says of the writes that were not yet synced; the stores are
 * then reopened, and recovered, by the node's next life.
 */
public final class SimFileDisk implements NodeDisk {

    /** What a crash does to writes that were not yet synced. */
    public enum CrashModel {
        /** Lost whole or kept, the last kept one possibly torn at any byte (the page cache flushed part of it). */
        RANDOM,
        /** All lost. */
        LOSE_ALL_UNSYNCED
    }

    /** Small segments, so that scenarios roll, preallocate and recover many of them. */
    static final SegmentedLogOptions OPTIONS = new SegmentedLogOptions(SegmentedLogOptions.MIN_SEGMENT_SIZE * 2);

    private final Path root;
    private final RandomGenerator random;
    private CrashModel crashModel = CrashModel.RANDOM;
    private SimFileSystem fs = new SimFileSystem();
    private SegmentedLogStore log;
    private FileStableStore stable;
    private FileSnapshotStore snapshots;

    public SimFileDisk(String nodeId, RandomGenerator random) {
        this.root = Path.of("/" + nodeId);
        this.random = random;
    }

    @Override
    public LogStore logStore() throws IOException {
        if (log == null) {
            ensureRoot();
            log = SegmentedLogStore.open(fs, logDir(), OPTIONS);
        }
        return log;
    }

    @Override
    public StableStore stableStore() throws IOException {
        if (stable == null) {
            ensureRoot();
            stable = FileStableStore.open(fs, root.resolve("raft"));
        }
        return stable;
    }

    @Override
    public SnapshotStore snapshotStore() throws IOException {
        if (snapshots == null) {
            ensureRoot();
            snapshots = FileSnapshotStore.open(fs, snapshotDir(), 2);
        }
        return snapshots;
    }

    /**
     * Not measured on simulated files: the segmented log preallocates its segments, so file sizes say nothing
     * of the entries they hold. Scenarios that bound the Raft state size run on {@link InMemoryDisk}.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public long persistedRaftStateBytes() {
        throw new UnsupportedOperationException("persisted Raft state size is measured on InMemoryDisk only");
    }

    private void ensureRoot() throws IOException {
        fs.createDirectoriesDurably(root);
    }

    @Override
    public void crash() {
        fs = crashModel == CrashModel.RANDOM ? fs.crash(random) : fs.crashLosingAllUnsynced();
        log = null;
        stable = null;
        snapshots = null;
    }

    public void setCrashModel(CrashModel model) {
        this.crashModel = model;
    }

    /** The disk of the node's current life (fault injection: bit flips, capacity, failing syncs). */
    public SimFileSystem fileSystem() {
        return fs;
    }

    public Path logDir() {
        return root.resolve("log");
    }

    public Path stableDir() {
        return root.resolve("raft");
    }

    public Path snapshotDir() {
        return root.resolve("snapshots");
    }
}
