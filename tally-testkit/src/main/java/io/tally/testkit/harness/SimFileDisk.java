package io.tally.testkit.harness;

import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.StableStore;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.stable.FileStableStore;
import io.tally.testkit.disk.SimFileSystem;

import java.io.IOException;
import java.nio.file.Path;
import java.util.random.RandomGenerator;

/**
 * A node's real file storage ({@link SegmentedLogStore}, {@link FileStableStore}) on its own simulated disk.
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

    private void ensureRoot() throws IOException {
        if (!fs.exists(root)) {
            fs.createDirectories(root);
            fs.syncDirectory(root.getParent());
        }
    }

    @Override
    public void crash() {
        fs = crashModel == CrashModel.RANDOM ? fs.crash(random) : fs.crashLosingAllUnsynced();
        log = null;
        stable = null;
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
}
