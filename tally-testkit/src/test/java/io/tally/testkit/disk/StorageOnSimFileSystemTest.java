package io.tally.testkit.disk;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.HardState;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.stable.FileStableStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real storage classes over the simulated disk: open, save, force, crash, reopen. */
class StorageOnSimFileSystemTest {

    private static final Path DIR = Path.of("/n1/stable");

    private static long seed;

    @BeforeAll
    static void seed() {
        seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong()); // replay: -Dtally.test.seed=N
        System.out.println("StorageOnSimFileSystemTest seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
    }

    @Test
    void fileStableStoreSurvivesRandomCrashesAfterSave() throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            SimFileSystem fs = new SimFileSystem();
            FileStableStore store = FileStableStore.open(fs, DIR);
            assertEquals(HardState.EMPTY, store.load());
            store.save(new HardState(1, "n1"));
            HardState last = new HardState(2 + i, i % 2 == 0 ? "n2" : null);
            store.save(last);

            SimFileSystem after = fs.crash(random);
            assertThrows(IOException.class, store::load); // the zombie cannot read or write
            FileStableStore reopened = FileStableStore.open(after, DIR);
            assertEquals(last, reopened.load());
        }
    }

    @Test
    void fileStableStoreSaveInterruptedByFsyncFailureKeepsOldOrNewState() throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL);
        HardState old = new HardState(5, "n3");
        HardState attempted = new HardState(6, "n1");
        for (int i = 0; i < 200; i++) {
            SimFileSystem fs = new SimFileSystem();
            FileStableStore store = FileStableStore.open(fs, DIR);
            store.save(old);
            fs.setFailSync(true);
            assertThrows(IOException.class, () -> store.save(attempted));
            assertThrows(IOException.class, store::load); // failed for good

            SimFileSystem after = fs.crash(random);
            HardState loaded = FileStableStore.open(after, DIR).load();
            assertEquals(old, loaded, "the new state never got past its failed fsync, so it cannot be the one loaded");
        }
    }

    private static final Path LOG_DIR = Path.of("/n1/log");

    private static Entry entry(long index, long term) {
        return new Entry(index, term, EntryType.COMMAND, ("command-" + index + "-" + "x".repeat((int) (index % 97)))
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void segmentedLogStoreKeepsSyncedEntriesAndAPrefixOfTheRestAcrossRandomCrashes() throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ 0x632BE59BD9B4E019L);
        SegmentedLogOptions options = SegmentedLogOptions.defaults().withSegmentSize(SegmentedLogOptions.MIN_SEGMENT_SIZE);
        for (int i = 0; i < 100; i++) {
            SimFileSystem fs = new SimFileSystem();
            // The node's data directory exists durably; SegmentedLogStore.open syncs only the log directory's
            // parent, so a missing /n1 would itself be lost by a crash.
            fs.createDirectories(LOG_DIR.getParent());
            fs.syncDirectory(Path.of("/"));
            SegmentedLogStore log = SegmentedLogStore.open(fs, LOG_DIR, options);
            List<Entry> all = new ArrayList<>();
            int synced = 1 + random.nextInt(150);
            int unsynced = random.nextInt(60);
            for (long index = 1; index <= synced + unsynced; index++) {
                all.add(entry(index, 1 + index / 50));
            }
            int pos = 0;
            while (pos < synced) { // appended in batches, like a node's log writer
                int n = Math.min(synced - pos, 1 + random.nextInt(10));
                log.append(all.subList(pos, pos + n));
                pos += n;
            }
            log.sync();
            if (unsynced > 0) {
                log.append(all.subList(synced, synced + unsynced));
            }
            assertEquals(synced + unsynced, log.lastIndex());

            SimFileSystem after = fs.crash(random);
            try (SegmentedLogStore reopened = SegmentedLogStore.open(after, LOG_DIR, options)) {
                long last = reopened.lastIndex();
                assertEquals(1, reopened.firstIndex());
                assertTrue(last >= synced && last <= synced + unsynced,
                        "case " + i + " (seed " + seed + "): last index " + last + ", synced " + synced + ", appended " + (synced + unsynced));
                assertEquals(all.subList(0, (int) last), reopened.read(1, last + 1), "case " + i);
                // and the recovered log can go on
                reopened.append(List.of(entry(last + 1, 99)));
                reopened.sync();
                assertEquals(last + 1, reopened.lastIndex());
            }
        }
    }
}
