package io.tally.storage.snapshot;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore.SnapshotSink;
import io.tally.storage.StorageCorruptionException;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.stable.RecordingFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSnapshotStoreTest {

    private static final Configuration CONFIG = Configuration.of(List.of(
            Member.voter("n1", "10.0.0.1:7000"),
            Member.voter("n2", "10.0.0.2:7000"),
            Member.nonVoter("n4", "10.0.0.4:7000")));

    private static final Configuration JOINT = new Configuration(List.of(
            Member.voter("n1", "h1:1"), Member.voter("n4", "h4:1"), Member.voter("n5", "h5:1"),
            Member.nonVoter("n6", "h6:1")), Set.of("n1", "n2", "n3"));

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("snapshots");
    }

    private FileSnapshotStore open(int retain) throws IOException {
        return FileSnapshotStore.open(NioFileSystem.INSTANCE, dir(), retain);
    }

    private static SnapshotMeta meta(long index, long term, Configuration c) {
        return new SnapshotMeta(index, term, c, -1);
    }

    private static SnapshotMeta write(FileSnapshotStore store, long index, long term, Configuration c, byte[] data)
            throws IOException {
        try (SnapshotSink sink = store.create(meta(index, term, c))) {
            sink.output().write(data);
            return sink.commit();
        }
    }

    private static byte[] read(FileSnapshotStore store, SnapshotMeta meta) throws IOException {
        try (InputStream in = store.open(meta)) {
            return in.readAllBytes();
        }
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writeCommitListOpenRoundTrip() throws IOException {
        byte[] data = bytes("the state machine at index 10");
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of(), store.list());
            assertTrue(store.latest().isEmpty());
            SnapshotMeta committed = write(store, 10, 3, CONFIG, data);
            assertEquals(new SnapshotMeta(10, 3, CONFIG, data.length), committed);
            assertEquals(List.of(committed), store.list());
            assertArrayEquals(data, read(store, committed));
        }
        assertEquals(List.of("snapshot-00000000000000000010-00000000000000000003"), entries());
        assertEquals(List.of("data", "meta"), Files.list(dir().resolve(entries().get(0)))
                .map(p -> p.getFileName().toString()).sorted().toList());
        try (FileSnapshotStore store = open(2)) {
            SnapshotMeta m = store.latest().orElseThrow();
            assertEquals(new SnapshotMeta(10, 3, CONFIG, data.length), m);
            assertEquals(CONFIG.members(), m.configuration().members());
            assertArrayEquals(data, read(store, m));
            // Opening by (lastIndex, lastTerm): the other fields of the argument do not matter.
            assertArrayEquals(data, read(store, meta(10, 3, Configuration.EMPTY)));
        }
    }

    @Test
    void jointConfigurationRoundTrips() throws IOException {
        try (FileSnapshotStore store = open(2)) {
            write(store, 100, 9, JOINT, bytes("joint"));
        }
        try (FileSnapshotStore store = open(2)) {
            SnapshotMeta m = store.latest().orElseThrow();
            assertEquals(JOINT, m.configuration());
            assertTrue(m.configuration().isJoint());
            assertEquals(Set.of("n1", "n2", "n3"), m.configuration().outgoingVoters());
            assertEquals(Set.of("n1", "n4", "n5"), m.configuration().voters());
        }
    }

    @Test
    void emptySnapshotRoundTrips() throws IOException {
        try (FileSnapshotStore store = open(1)) {
            SnapshotMeta m = write(store, 1, 1, CONFIG, new byte[0]);
            assertEquals(0, m.sizeBytes());
        }
        try (FileSnapshotStore store = open(1)) {
            assertArrayEquals(new byte[0], read(store, store.latest().orElseThrow()));
        }
    }

    @Test
    void abandonedSinkLeavesNothing() throws IOException {
        try (FileSnapshotStore store = open(2)) {
            SnapshotSink sink = store.create(meta(5, 1, CONFIG));
            sink.output().write(new byte[100_000]);
            sink.close();
            assertEquals(List.of(), entries());
            assertEquals(List.of(), store.list());
            assertThrows(IOException.class, () -> sink.output().write(1));
            assertThrows(IllegalStateException.class, sink::commit);
        }
    }

    @Test
    void sinkNeverClosedIsDeletedAtReopen() throws IOException {
        try (FileSnapshotStore store = open(2)) {
            write(store, 3, 1, CONFIG, bytes("kept"));
            SnapshotSink sink = store.create(meta(5, 1, CONFIG));
            sink.output().write(new byte[100_000]);
            sink.output().flush();
            assertTrue(entries().stream().anyMatch(n -> n.startsWith("tmp-")), entries().toString());
            // the process "crashes": neither commit nor close
        }
        // also a tmp directory with a complete-looking snapshot inside (an interrupted commit or deletion)
        Path fake = dir().resolve("tmp-99");
        Files.createDirectories(fake);
        Files.write(fake.resolve("data"), bytes("x"));
        Files.write(fake.resolve("meta"), bytes("y"));
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of("snapshot-00000000000000000003-00000000000000000001"), entries());
            assertEquals(List.of(3L), store.list().stream().map(SnapshotMeta::lastIndex).toList());
        }
    }

    @Test
    void retentionKeepsTheNewestN() throws IOException {
        try (FileSnapshotStore store = open(2)) {
            for (int i = 1; i <= 5; i++) {
                write(store, i * 10, i, CONFIG, bytes("snapshot " + i));
                assertEquals(Math.min(i, 2), store.list().size());
            }
            assertEquals(List.of(50L, 40L), store.list().stream().map(SnapshotMeta::lastIndex).toList());
            assertEquals(List.of(
                    "snapshot-00000000000000000040-00000000000000000004",
                    "snapshot-00000000000000000050-00000000000000000005"), entries());
            assertArrayEquals(bytes("snapshot 4"), read(store, store.list().get(1)));
            assertThrows(FileNotFoundException.class, () -> store.open(meta(30, 3, CONFIG)));
        }
        try (FileSnapshotStore store = open(1)) {
            assertEquals(List.of(50L, 40L), store.list().stream().map(SnapshotMeta::lastIndex).toList(),
                    "retention applies at the next commit, not at open");
            write(store, 60, 6, CONFIG, bytes("6"));
            assertEquals(List.of(60L), store.list().stream().map(SnapshotMeta::lastIndex).toList());
            assertEquals(List.of("snapshot-00000000000000000060-00000000000000000006"), entries());
        }
    }

    @Test
    void listIsNewestFirstWhateverTheCommitOrder() throws IOException {
        try (FileSnapshotStore store = open(5)) {
            write(store, 30, 2, CONFIG, bytes("30"));
            write(store, 10, 1, CONFIG, bytes("10"));
            write(store, 200, 7, CONFIG, bytes("200")); // numeric, not lexical, order
            write(store, 20, 2, CONFIG, bytes("20"));
            assertEquals(List.of(200L, 30L, 20L, 10L), store.list().stream().map(SnapshotMeta::lastIndex).toList());
        }
        try (FileSnapshotStore store = open(5)) {
            assertEquals(List.of(200L, 30L, 20L, 10L), store.list().stream().map(SnapshotMeta::lastIndex).toList());
            assertEquals(200L, store.latest().orElseThrow().lastIndex());
        }
    }

    @Test
    void corruptedDataByteMakesTheStreamThrow() throws IOException {
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        SnapshotMeta m;
        try (FileSnapshotStore store = open(2)) {
            m = write(store, 10, 2, CONFIG, data);
        }
        Path dataFile = dir().resolve(FileSnapshotStore.snapshotName(10, 2)).resolve("data");
        for (int at : new int[] {0, 70_000, data.length - 1}) {
            byte[] bad = data.clone();
            bad[at] ^= 0x10;
            Files.write(dataFile, bad);
            try (FileSnapshotStore store = open(2)) {
                assertEquals(List.of(m), store.list(), "the meta is intact; only reading finds the damage");
                try (InputStream in = store.open(m)) {
                    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, in::readAllBytes);
                    assertEquals(dataFile, e.file());
                    // once failed, it stays failed
                    assertThrows(StorageCorruptionException.class, in::read);
                }
                try (InputStream in = store.open(m)) {
                    // A reader that takes exactly size bytes (and never asks for end-of-stream) is checked too.
                    assertThrows(StorageCorruptionException.class, () -> in.readNBytes(data.length));
                }
            }
        }
        Files.write(dataFile, data);
        try (FileSnapshotStore store = open(2)) {
            assertArrayEquals(data, read(store, m));
        }
    }

    @Test
    void truncatedDataIsCorrupt() throws IOException {
        SnapshotMeta m;
        try (FileSnapshotStore store = open(2)) {
            m = write(store, 10, 2, CONFIG, new byte[1000]);
            Path dataFile = dir().resolve(FileSnapshotStore.snapshotName(10, 2)).resolve("data");
            Files.write(dataFile, new byte[999]);
            assertThrows(StorageCorruptionException.class, () -> read(store, m));
        }
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of(), store.list(), "a data file of the wrong size fails validation at open");
        }
    }

    @Test
    void corruptMetaIsSkippedNeverListed() throws IOException {
        try (FileSnapshotStore store = open(3)) {
            write(store, 10, 1, CONFIG, bytes("ten"));
            write(store, 20, 2, CONFIG, bytes("twenty"));
        }
        Path metaFile = dir().resolve(FileSnapshotStore.snapshotName(20, 2)).resolve("meta");
        byte[] meta = Files.readAllBytes(metaFile);
        for (int i = 0; i < meta.length; i++) {
            byte[] bad = meta.clone();
            bad[i] ^= 0x01;
            Files.write(metaFile, bad);
            try (FileSnapshotStore store = open(3)) {
                assertEquals(List.of(10L), store.list().stream().map(SnapshotMeta::lastIndex).toList(),
                        "flipped byte " + i);
                assertThrows(FileNotFoundException.class, () -> store.open(meta(20, 2, CONFIG)));
            }
        }
        Files.write(metaFile, Arrays.copyOf(meta, meta.length - 1));
        try (FileSnapshotStore store = open(3)) {
            assertEquals(1, store.list().size());
            // Kept for inspection while it is not older than every retained snapshot...
            assertTrue(entries().contains(FileSnapshotStore.snapshotName(20, 2)));
            write(store, 30, 3, CONFIG, bytes("thirty"));
            write(store, 40, 4, CONFIG, bytes("forty"));
            assertTrue(entries().contains(FileSnapshotStore.snapshotName(20, 2)));
            // ...and removed once retention passes it.
            write(store, 50, 5, CONFIG, bytes("fifty"));
            assertEquals(List.of(50L, 40L, 30L), store.list().stream().map(SnapshotMeta::lastIndex).toList());
            assertFalse(entries().contains(FileSnapshotStore.snapshotName(20, 2)));
        }
    }

    @Test
    void metaDescribingAnotherSnapshotIsCorrupt() throws IOException {
        try (FileSnapshotStore store = open(3)) {
            write(store, 10, 1, CONFIG, bytes("ten"));
        }
        Files.move(dir().resolve(FileSnapshotStore.snapshotName(10, 1)), dir().resolve(FileSnapshotStore.snapshotName(11, 1)));
        try (FileSnapshotStore store = open(3)) {
            assertEquals(List.of(), store.list());
        }
    }

    @Test
    void largeSnapshotStreamsWithBoundedBuffers() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        int chunk = 8 * 1024;
        int chunks = 20 * 128; // 20 MiB
        Random random = new Random(42);
        byte[] block = new byte[chunk];
        CRC32C written = new CRC32C();
        SnapshotMeta m;
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 2)) {
            try (SnapshotSink sink = store.create(meta(1_000_000, 12, JOINT))) {
                OutputStream out = sink.output();
                for (int i = 0; i < chunks; i++) {
                    random.nextBytes(block);
                    written.update(block);
                    out.write(block);
                    if (i == chunks / 2) {
                        // Half-way through, the data is already on disk: the sink does not hold it in memory.
                        Path tmpDir;
                        try (Stream<Path> s = Files.list(dir())) {
                            tmpDir = s.filter(p -> p.getFileName().toString().startsWith("tmp-")).findFirst().orElseThrow();
                        }
                        assertTrue(Files.size(tmpDir.resolve("data")) >= (long) i * chunk - 64 * 1024);
                    }
                }
                out.write(7); // and a single byte at the end
                written.update(7);
                m = sink.commit();
            }
            assertEquals((long) chunks * chunk + 1, m.sizeBytes());
            assertTrue(fs.maxWrite() <= 64 * 1024, "largest write " + fs.maxWrite());

            CRC32C readBack = new CRC32C();
            long total = 0;
            byte[] buf = new byte[5000];
            try (InputStream in = store.open(m)) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    readBack.update(buf, 0, n);
                    total += n;
                }
            }
            assertEquals(m.sizeBytes(), total);
            assertEquals(written.getValue(), readBack.getValue());
            assertTrue(fs.maxRead() <= 64 * 1024, "largest read " + fs.maxRead());
        }
    }

    @Test
    void commitSequence() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 1)) {
            write(store, 1, 1, CONFIG, bytes("one"));
            fs.clearOps();
            try (SnapshotSink sink = store.create(meta(2, 1, CONFIG))) {
                sink.output().write(bytes("two"));
                sink.commit();
            }
        }
        String tmpDir = "snapshots/tmp-1";
        String old = "snapshots/tmp-2";
        assertEquals(List.of(
                "mkdir " + tmpDir,
                "create " + tmpDir + "/data",
                "truncate " + tmpDir + "/data",
                "write " + tmpDir + "/data",
                "force " + tmpDir + "/data",
                "create " + tmpDir + "/meta",
                "truncate " + tmpDir + "/meta",
                "write " + tmpDir + "/meta",
                "force " + tmpDir + "/meta",
                "sync " + tmpDir,
                "rename " + tmpDir + " snapshots/" + FileSnapshotStore.snapshotName(2, 1),
                "sync snapshots",
                // retention: rename aside, make that durable, then delete
                "rename snapshots/" + FileSnapshotStore.snapshotName(1, 1) + " " + old,
                "sync snapshots",
                "delete " + old + "/data",
                "delete " + old + "/meta",
                "delete " + old), fs.ops());
    }

    @Test
    void failureAfterRenameStartsLeavesTheStoreFailed() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 2)) {
            fs.failWhen(op -> op.equals("sync snapshots"));
            SnapshotSink sink = store.create(meta(1, 1, CONFIG));
            sink.output().write(1);
            assertThrows(IOException.class, sink::commit);
            fs.failWhen(op -> false);
            assertThrows(IOException.class, store::list);
            assertThrows(IOException.class, () -> store.create(meta(2, 1, CONFIG)));
        }
    }

    @Test
    void failureWritingTheTmpFailsOnlyThatSink() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 2)) {
            fs.failWhen(op -> op.startsWith("force ") && op.endsWith("/data"));
            SnapshotSink sink = store.create(meta(1, 1, CONFIG));
            sink.output().write(1);
            assertThrows(IOException.class, sink::commit);
            assertEquals(List.of(), entries(), "the failed sink's tmp directory is deleted");
            fs.failWhen(op -> false);
            write(store, 2, 1, CONFIG, bytes("ok"));
            assertEquals(1, store.list().size());
        }
    }

    @Test
    void recommittingTheSameSnapshotKeepsTheHeldCopy() throws IOException {
        byte[] state = bytes("the state machine at index 10");
        SnapshotMeta first;
        try (FileSnapshotStore store = open(2)) {
            first = write(store, 10, 2, CONFIG, state);
            // A follower receives again a snapshot it holds: the same index and term, so the same state.
            SnapshotMeta again = write(store, 10, 2, CONFIG, state);
            assertEquals(first, again);
            assertEquals(List.of(first), store.list());
            assertArrayEquals(state, read(store, again));
            assertEquals(List.of(FileSnapshotStore.snapshotName(10, 2)), entries(), "the new copy is deleted");
            // Raft rules out a different copy; were one offered, the held copy would still be kept and returned.
            SnapshotMeta other = write(store, 10, 2, JOINT, bytes("something else"));
            assertEquals(first, other);
            assertArrayEquals(state, read(store, first));
            assertEquals(List.of(FileSnapshotStore.snapshotName(10, 2)), entries());
        }
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of(first), store.list());
            assertArrayEquals(state, read(store, first));
        }
    }

    @Test
    void recommittingAnIntactSnapshotRenamesNothing() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 2)) {
            write(store, 1, 1, CONFIG, bytes("one"));
            fs.clearOps();
            write(store, 1, 1, CONFIG, bytes("one"));
            assertEquals(1, store.list().size());
        }
        String tmpDir = "snapshots/tmp-1";
        assertEquals(List.of(
                "mkdir " + tmpDir,
                "create " + tmpDir + "/data",
                "truncate " + tmpDir + "/data",
                "write " + tmpDir + "/data",
                "force " + tmpDir + "/data",
                "create " + tmpDir + "/meta",
                "truncate " + tmpDir + "/meta",
                "write " + tmpDir + "/meta",
                "force " + tmpDir + "/meta",
                "sync " + tmpDir,
                // the held copy verifies (reads are not recorded): only the new copy goes
                "delete " + tmpDir + "/data",
                "delete " + tmpDir + "/meta",
                "delete " + tmpDir), fs.ops());
    }

    @Test
    void recommittingOverDamagedDataReplacesIt() throws IOException {
        byte[] data = new byte[200_000];
        new Random(3).nextBytes(data);
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        String name = FileSnapshotStore.snapshotName(10, 2);
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 2)) {
            SnapshotMeta m = write(store, 10, 2, CONFIG, data);
            byte[] bad = data.clone();
            bad[150_000] ^= 0x04;
            Files.write(dir().resolve(name).resolve("data"), bad); // behind the open store's back
            assertThrows(StorageCorruptionException.class, () -> read(store, m));

            fs.clearOps();
            assertEquals(m, write(store, 10, 2, CONFIG, data));
            assertEquals(List.of(m), store.list());
            assertArrayEquals(data, read(store, m));
            assertEquals(List.of(name), entries());
        }
        String tmpDir = "snapshots/tmp-1";
        String damaged = "snapshots/" + FileSnapshotStore.damagedName(name);
        List<String> ops = fs.ops();
        assertEquals(List.of(
                "sync " + tmpDir,
                // set the damaged copy aside, durably, before the new one takes its name
                "rename snapshots/" + name + " " + damaged,
                "sync snapshots",
                "rename " + tmpDir + " snapshots/" + name,
                "sync snapshots",
                // then the damaged copy goes like any removed snapshot
                "rename " + damaged + " snapshots/tmp-2",
                "sync snapshots",
                "delete snapshots/tmp-2/data",
                "delete snapshots/tmp-2/meta",
                "delete snapshots/tmp-2"), ops.subList(ops.indexOf("sync " + tmpDir), ops.size()));
        try (FileSnapshotStore store = open(2)) {
            assertArrayEquals(data, read(store, store.latest().orElseThrow()));
        }
    }

    @Test
    void recommittingOverARefusedMetaReplacesIt() throws IOException {
        String name = FileSnapshotStore.snapshotName(10, 2);
        try (FileSnapshotStore store = open(2)) {
            write(store, 10, 2, CONFIG, bytes("ten"));
        }
        Path metaFile = dir().resolve(name).resolve("meta");
        byte[] meta = Files.readAllBytes(metaFile);
        meta[3] ^= 0x01;
        Files.write(metaFile, meta);
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of(), store.list(), "refused at open");
            SnapshotMeta m = write(store, 10, 2, CONFIG, bytes("ten"));
            assertEquals(List.of(m), store.list());
            assertArrayEquals(bytes("ten"), read(store, m));
            assertEquals(List.of(name), entries());
        }
        try (FileSnapshotStore store = open(2)) {
            assertArrayEquals(bytes("ten"), read(store, store.latest().orElseThrow()));
        }
    }

    @Test
    void openRenamesADamagedCopyBackWhenItsReplacementWasNotDurable() throws IOException {
        // What a crash leaves after the damaged copy was set aside but before the new copy's rename was durable.
        String name = FileSnapshotStore.snapshotName(10, 2);
        SnapshotMeta m;
        try (FileSnapshotStore store = open(2)) {
            m = write(store, 10, 2, CONFIG, bytes("ten"));
        }
        Files.write(dir().resolve(name).resolve("data"), bytes("teN")); // damaged
        Files.move(dir().resolve(name), dir().resolve(FileSnapshotStore.damagedName(name)));
        Files.createDirectories(dir().resolve("tmp-7")); // the new copy, never renamed
        Files.write(dir().resolve("tmp-7").resolve("data"), bytes("ten"));
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of(name), entries(), "the damaged copy is back under its name, no worse than before");
            assertEquals(List.of(m), store.list());
            assertThrows(StorageCorruptionException.class, () -> read(store, m));
            // and the next commit of that snapshot replaces it
            write(store, 10, 2, CONFIG, bytes("ten"));
            assertArrayEquals(bytes("ten"), read(store, m));
        }
    }

    @Test
    void openDeletesADamagedCopyThatWasReplaced() throws IOException {
        // What a crash leaves after the new copy's rename was durable but before the damaged copy was deleted.
        String name = FileSnapshotStore.snapshotName(10, 2);
        SnapshotMeta m;
        try (FileSnapshotStore store = open(2)) {
            m = write(store, 10, 2, CONFIG, bytes("ten"));
        }
        Path damaged = dir().resolve(FileSnapshotStore.damagedName(name));
        Files.createDirectories(damaged);
        Files.write(damaged.resolve("data"), bytes("teN"));
        Path notOurs = dir().resolve("damaged-goods");
        Files.createDirectories(notOurs);
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of("damaged-goods", name), entries(), "a name that is not a snapshot's is left alone");
            assertEquals(List.of(m), store.list());
            assertArrayEquals(bytes("ten"), read(store, m));
        }
    }

    @Test
    void recommittingAHeldSnapshotStillSupersedesOtherTermsAtItsIndex() throws IOException {
        // Two terms at one index on disk: a crash after a commit and before the other term's removal.
        try (FileSnapshotStore store = open(5)) {
            write(store, 10, 3, CONFIG, bytes("term 3"));
        }
        Path elsewhere = tmp.resolve("elsewhere");
        try (FileSnapshotStore other = FileSnapshotStore.open(NioFileSystem.INSTANCE, elsewhere, 1)) {
            write(other, 10, 2, CONFIG, bytes("term 2"));
        }
        String term2 = FileSnapshotStore.snapshotName(10, 2);
        Files.move(elsewhere.resolve(term2), dir().resolve(term2));
        try (FileSnapshotStore store = open(5)) {
            assertEquals(2, store.list().size());
            SnapshotMeta m = write(store, 10, 3, CONFIG, bytes("term 3"));
            assertEquals(List.of(m), store.list());
            assertEquals(List.of(FileSnapshotStore.snapshotName(10, 3)), entries());
        }
    }

    @Test
    void failureDeletingTheNewCopyOfAHeldSnapshotLeavesTheStoreFailed() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 2)) {
            write(store, 1, 1, CONFIG, bytes("one"));
            fs.failWhen(op -> op.startsWith("delete "));
            assertThrows(IOException.class, () -> write(store, 1, 1, CONFIG, bytes("one")));
            fs.failWhen(op -> false);
            assertThrows(IOException.class, store::list);
        }
        try (FileSnapshotStore store = open(2)) {
            assertArrayEquals(bytes("one"), read(store, store.latest().orElseThrow()));
            assertEquals(List.of(FileSnapshotStore.snapshotName(1, 1)), entries());
        }
    }

    @Test
    void failureReplacingADamagedCopyLeavesTheStoreFailedAndTheCopyInPlace() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        String name = FileSnapshotStore.snapshotName(1, 1);
        try (FileSnapshotStore store = FileSnapshotStore.open(fs, dir(), 2)) {
            write(store, 1, 1, CONFIG, bytes("one"));
            Files.write(dir().resolve(name).resolve("data"), bytes("onE"));
            fs.failWhen(op -> op.equals("sync snapshots")); // the one after setting the damaged copy aside
            assertThrows(IOException.class, () -> write(store, 1, 1, CONFIG, bytes("one")));
            fs.failWhen(op -> false);
            assertThrows(IOException.class, store::list);
        }
        // The damaged copy was set aside and the failed sync stopped the commit there: open puts it back.
        assertTrue(entries().contains(FileSnapshotStore.damagedName(name)), entries().toString());
        try (FileSnapshotStore store = open(2)) {
            assertEquals(List.of(name), entries());
            assertThrows(StorageCorruptionException.class, () -> read(store, store.latest().orElseThrow()));
        }
    }

    @Test
    void sinkLifecycle() throws IOException {
        try (FileSnapshotStore store = open(2)) {
            SnapshotSink sink = store.create(meta(4, 1, CONFIG));
            try (OutputStream out = sink.output()) { // closing the output (e.g. a wrapping stream) is fine
                out.write(bytes("abc"));
            }
            assertThrows(IOException.class, () -> sink.output().write(1));
            SnapshotMeta m = sink.commit();
            assertThrows(IllegalStateException.class, sink::commit);
            sink.close(); // a no-op after commit
            assertEquals(List.of(m), store.list());
            assertArrayEquals(bytes("abc"), read(store, m));
        }
    }

    @Test
    void invalidArguments() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> open(0));
        try (FileSnapshotStore store = open(1)) {
            assertThrows(IllegalArgumentException.class, () -> store.create(meta(-1, 1, CONFIG)));
            assertThrows(NullPointerException.class, () -> store.create(new SnapshotMeta(1, 1, null, 0)));
        }
        FileSnapshotStore closed = open(1);
        closed.close();
        assertThrows(IOException.class, () -> closed.create(meta(1, 1, CONFIG)));
    }

    @Test
    void namesParse() {
        String name = FileSnapshotStore.snapshotName(12, 3);
        assertEquals("snapshot-00000000000000000012-00000000000000000003", name);
        assertArrayEquals(new long[] {12, 3}, FileSnapshotStore.parseName(name));
        List<String> bad = new ArrayList<>(List.of("snapshot-1-2", "snapshot-0000000000000000001a-00000000000000000003",
                "snapshot-99999999999999999999-00000000000000000003", "tmp-1", "data"));
        for (String b : bad) {
            assertEquals(null, FileSnapshotStore.parseName(b), b);
        }
    }
}
