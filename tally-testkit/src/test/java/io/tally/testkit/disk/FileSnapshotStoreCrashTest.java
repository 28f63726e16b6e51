package io.tally.testkit.disk;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore.SnapshotSink;
import io.tally.storage.fs.StorageFile;
import io.tally.storage.snapshot.FileSnapshotStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link FileSnapshotStore} committing a snapshot it already holds (a follower that receives again a snapshot
 * it has), crashed at every file-system operation of that second commit in turn, under each crash model of
 * {@link SimFileSystem}. Whatever the crash point, the store must reopen with a copy of the snapshot: the
 * complete one, or (only when the held copy was damaged) the damaged copy exactly as it was.
 *
 * <p>The crash points are enumerated, not sampled: a fault-free run of the second commit counts its operations
 * (through {@link SimFileSystem#setOperationListener}), then for k = 1..K a fresh disk is crashed right before
 * operation k, and once more after the commit returned (k = K + 1).
 */
class FileSnapshotStoreCrashTest {

    private static final Path DIR = Path.of("/n1/snapshots");
    private static final long INDEX = 10;
    private static final long TERM = 3;
    private static final Path SNAPSHOT = DIR.resolve(String.format("snapshot-%020d-%020d", INDEX, TERM));
    private static final Configuration CONFIG = Configuration.of(List.of(
            Member.voter("n1", "h1:1"), Member.voter("n2", "h2:1"), Member.voter("n3", "h3:1")));
    /** Three 64 KiB write buffers' worth and a bit, so the data takes several writes. */
    private static final byte[] DATA = new byte[150_000];
    private static final int RANDOM_CRASHES_PER_POINT = 10;

    private static long seed;

    @BeforeAll
    static void seed() {
        seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong()); // replay: -Dtally.test.seed=N
        System.out.println("FileSnapshotStoreCrashTest seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
        new SplittableRandom(42).nextBytes(DATA);
    }

    /** What is wrong with the copy the store holds before the second commit. */
    private enum Held { INTACT, DAMAGED_DATA, DAMAGED_META }

    private enum Model { LOSING_ALL_UNSYNCED, KEEPING_ALL_UNSYNCED, RANDOM }

    /** A disk whose store holds (INDEX, TERM) durably, damaged as {@code held} says, and the store open on it. */
    private record Setup(SimFileSystem fs, FileSnapshotStore store, byte[] heldData, byte[] heldMeta) {
    }

    private static Setup setup(Held held) throws IOException {
        SimFileSystem fs = new SimFileSystem();
        FileSnapshotStore store = FileSnapshotStore.open(fs, DIR, 2);
        commit(store);
        if (held == Held.DAMAGED_DATA) {
            fs.flipBit(SNAPSHOT.resolve("data"), 70_000, 3); // the store, already open, does not know
        } else if (held == Held.DAMAGED_META) {
            fs.flipBit(SNAPSHOT.resolve("meta"), 5, 0);
            store = FileSnapshotStore.open(fs, DIR, 2); // refused at open: not listed
            assertEquals(List.of(), store.list());
        }
        return new Setup(fs, store, readFile(fs, SNAPSHOT.resolve("data")), readFile(fs, SNAPSHOT.resolve("meta")));
    }

    /** The second commit (or the first): the same state, as Raft guarantees for the same index and term. */
    private static SnapshotMeta commit(FileSnapshotStore store) throws IOException {
        try (SnapshotSink sink = store.create(new SnapshotMeta(INDEX, TERM, CONFIG, 0))) {
            sink.output().write(DATA);
            return sink.commit();
        }
    }

    private static byte[] readFile(SimFileSystem fs, Path file) throws IOException {
        try (StorageFile f = fs.open(file, false)) {
            ByteBuffer buf = ByteBuffer.allocate((int) f.size());
            f.readFully(buf, 0);
            return buf.array();
        }
    }

    private static SimFileSystem crash(SimFileSystem fs, Model model, SplittableRandom random) {
        return switch (model) {
            case LOSING_ALL_UNSYNCED -> fs.crashLosingAllUnsynced();
            case KEEPING_ALL_UNSYNCED -> fs.crashKeepingAllUnsynced();
            case RANDOM -> fs.crash(random);
        };
    }

    @Test
    void crashAtEveryOperationOfRecommittingAnIntactSnapshotKeepsIt() throws IOException {
        crashAtEveryOperation(Held.INTACT);
    }

    @Test
    void crashAtEveryOperationOfReplacingADamagedDataFileLeavesTheOldOrTheNewCopy() throws IOException {
        crashAtEveryOperation(Held.DAMAGED_DATA);
    }

    @Test
    void crashAtEveryOperationOfReplacingARefusedMetaLeavesTheOldOrTheNewCopy() throws IOException {
        crashAtEveryOperation(Held.DAMAGED_META);
    }

    private void crashAtEveryOperation(Held held) throws IOException {
        // The fault-free second commit, to count (and name) its operations.
        Setup reference = setup(held);
        List<String> operations = new ArrayList<>();
        reference.fs().setOperationListener((op, path) -> operations.add(op + " " + path));
        SnapshotMeta committed = commit(reference.store());
        reference.fs().setOperationListener(null);
        assertEquals(new SnapshotMeta(INDEX, TERM, CONFIG, DATA.length), committed);
        int count = operations.size();
        assertTrue(count > 0);

        List<String> failures = new ArrayList<>();
        int crashes = 0;
        for (int k = 1; k <= count + 1; k++) {
            String point = k <= count ? "before operation " + k + "/" + count + " (" + operations.get(k - 1) + ")"
                    : "after the commit returned";
            for (Model model : Model.values()) {
                int trials = model == Model.RANDOM ? RANDOM_CRASHES_PER_POINT : 1;
                for (int trial = 0; trial < trials; trial++) {
                    SplittableRandom random = new SplittableRandom(seed ^ (k * 0x9E3779B97F4A7C15L) ^ trial);
                    String problem = crashAt(held, k, model, random);
                    crashes++;
                    if (problem != null) {
                        failures.add(held + ", " + model + (model == Model.RANDOM ? " #" + trial : "") + ", crash "
                                + point + ": " + problem);
                    }
                }
            }
        }
        System.out.println("FileSnapshotStoreCrashTest " + held + ": " + count + " operations in the second commit, "
                + crashes + " crashes, " + failures.size() + " bad outcomes");
        failures.stream().limit(20).forEach(f -> System.out.println("  " + f));
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + crashes + " crashes lost the snapshot (seed " + seed + "); first: "
                    + failures.get(0));
        }
    }

    /** Crashes the second commit right before its k-th operation; null if the outcome is allowed. */
    private static String crashAt(Held held, int k, Model model, SplittableRandom random) throws IOException {
        Setup s = setup(held);
        SimFileSystem[] after = new SimFileSystem[1];
        int[] seen = {0};
        s.fs().setOperationListener((op, path) -> {
            if (++seen[0] == k) {
                after[0] = crash(s.fs(), model, random);
            }
        });
        try {
            commit(s.store());
        } catch (IOException e) {
            if (!s.fs().isCrashed()) {
                return "the commit failed without a crash: " + e;
            }
        }
        if (after[0] == null) { // k = K + 1: the commit returned
            after[0] = crash(s.fs(), model, random);
        }
        return checkSurvivor(after[0], held, s);
    }

    private static String checkSurvivor(SimFileSystem fs, Held held, Setup s) throws IOException {
        FileSnapshotStore store;
        try {
            store = FileSnapshotStore.open(fs, DIR, 2);
        } catch (IOException e) {
            return "the store does not open: " + e;
        }
        if (!fs.exists(SNAPSHOT)) {
            return "no copy of the snapshot is left; the directory holds " + fs.list(DIR);
        }
        if (!fs.list(DIR).equals(List.of(SNAPSHOT.getFileName().toString()))) {
            return "open left more than the snapshot: " + fs.list(DIR);
        }
        if (held != Held.INTACT && Arrays.equals(readFile(fs, SNAPSHOT.resolve("data")), s.heldData())
                && Arrays.equals(readFile(fs, SNAPSHOT.resolve("meta")), s.heldMeta())) {
            return null; // the damaged copy exactly as it was: no worse than before the commit
        }
        Optional<SnapshotMeta> listed = store.list().stream()
                .filter(m -> m.lastIndex() == INDEX && m.lastTerm() == TERM).findFirst();
        if (listed.isEmpty()) {
            return "the snapshot is not listed; the directory holds " + fs.list(DIR);
        }
        try (InputStream in = store.open(listed.get())) {
            byte[] read = in.readAllBytes();
            if (!Arrays.equals(DATA, read)) {
                return "the snapshot reads as other bytes";
            }
        } catch (IOException e) {
            return "the snapshot does not verify: " + e;
        }
        return null;
    }

    @Test
    void theSetupsHoldWhatTheySay() throws IOException {
        Setup intact = setup(Held.INTACT);
        assertArrayEquals(DATA, intact.heldData());
        try (InputStream in = intact.store().open(intact.store().latest().orElseThrow())) {
            assertArrayEquals(DATA, in.readAllBytes());
        }
        Setup damaged = setup(Held.DAMAGED_DATA);
        assertEquals(1, damaged.store().list().size(), "listed: only reading finds damaged data");
        assertTrue(!Arrays.equals(DATA, damaged.heldData()));
        // Each setup is durable: a crash losing everything unsynced keeps it.
        for (Held held : Held.values()) {
            Setup s = setup(held);
            SimFileSystem after = s.fs().crashLosingAllUnsynced();
            assertArrayEquals(s.heldData(), readFile(after, SNAPSHOT.resolve("data")), held.toString());
            assertArrayEquals(s.heldMeta(), readFile(after, SNAPSHOT.resolve("meta")), held.toString());
        }
    }
}
