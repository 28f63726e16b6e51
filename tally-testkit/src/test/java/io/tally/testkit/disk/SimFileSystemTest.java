package io.tally.testkit.disk;

import io.tally.storage.fs.StorageFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deterministic behaviour of {@link SimFileSystem}; the random crash properties are in {@link SimFileSystemCrashTest}. */
class SimFileSystemTest {

    private static final Path DIR = Path.of("/n1/log");
    private static final Path FILE = DIR.resolve("a.dat");

    private static long seed;

    @BeforeAll
    static void seed() {
        seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong()); // replay: -Dtally.test.seed=N
        System.out.println("SimFileSystemTest seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void write(StorageFile f, long pos, byte[] data) throws IOException {
        f.write(ByteBuffer.wrap(data), pos);
    }

    static byte[] readAll(SimFileSystem fs, Path file) throws IOException {
        try (StorageFile f = fs.open(file, false)) {
            ByteBuffer buf = ByteBuffer.allocate((int) f.size());
            f.readFully(buf, 0);
            return buf.array();
        }
    }

    static String readString(SimFileSystem fs, Path file) throws IOException {
        return new String(readAll(fs, file), StandardCharsets.UTF_8);
    }

    /** A disk with {@link #DIR} created and durable. */
    static SimFileSystem diskWithDir() throws IOException {
        SimFileSystem fs = new SimFileSystem();
        fs.createDirectories(DIR);
        fs.syncDirectory(Path.of("/"));
        fs.syncDirectory(Path.of("/n1"));
        return fs;
    }

    /** Creates {@code file} with {@code content}, forced and with its name durable. */
    static void durableFile(SimFileSystem fs, Path file, String content) throws IOException {
        try (StorageFile f = fs.open(file, true)) {
            f.truncate(0);
            write(f, 0, bytes(content));
            f.force();
        }
        fs.syncDirectory(file.getParent());
    }

    @Test
    void readsSeeUnsyncedWrites() throws IOException {
        SimFileSystem fs = diskWithDir();
        try (StorageFile f = fs.open(FILE, true)) {
            write(f, 0, bytes("hello"));
            assertEquals(5, f.size());
            ByteBuffer buf = ByteBuffer.allocate(5);
            f.readFully(buf, 0);
            assertEquals("hello", new String(buf.array(), StandardCharsets.UTF_8));
            assertEquals(0, fs.durableSize(FILE));

            write(f, 1, bytes("EL"));
            assertEquals("hELlo", readString(fs, FILE));

            // writing past the end leaves a hole of zeros
            write(f, 8, bytes("!"));
            assertEquals(9, f.size());
            assertArrayEquals(new byte[] {'h', 'E', 'L', 'l', 'o', 0, 0, 0, '!'}, readAll(fs, FILE));

            f.truncate(3);
            assertEquals("hEL", readString(fs, FILE));
            f.truncate(10); // growing is not truncate's job
            assertEquals(3, f.size());
            write(f, 5, bytes("x")); // the truncated bytes do not come back: zeros
            assertArrayEquals(new byte[] {'h', 'E', 'L', 0, 0, 'x'}, readAll(fs, FILE));

            assertEquals(-1, f.read(ByteBuffer.allocate(4), 6));
            ByteBuffer tail = ByteBuffer.allocate(10);
            assertEquals(3, f.read(tail, 3));

            f.force();
            assertEquals(6, fs.durableSize(FILE));
        }
    }

    @Test
    void crashAfterForceAndDirectorySyncKeepsEverything() throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 50; i++) {
            SimFileSystem fs = diskWithDir();
            try (StorageFile f = fs.open(FILE, true)) {
                write(f, 0, bytes("first"));
                write(f, 5, bytes("-second"));
                f.truncate(8);
                f.force();
            }
            fs.syncDirectory(DIR);
            SimFileSystem after = fs.crash(random);
            assertEquals("first-se", readString(after, FILE));
            assertEquals(List.of("a.dat"), after.list(DIR));
            assertEquals(8, after.durableSize(FILE));
        }
    }

    @Test
    void crashLosingAllUnsyncedLosesUnsyncedWritesCreatesAndRenames() throws IOException {
        SimFileSystem fs = diskWithDir();
        durableFile(fs, FILE, "durable");
        try (StorageFile f = fs.open(FILE, false)) {
            write(f, 7, bytes("+unsynced"));
            write(f, 0, bytes("D"));
        }
        durableFile(fs, DIR.resolve("c.tmp"), "renamed");
        // created and forced, but its name is never made durable
        try (StorageFile g = fs.open(DIR.resolve("b.dat"), true)) {
            write(g, 0, bytes("forced"));
            g.force();
        }
        // renamed without syncing the directory
        fs.rename(DIR.resolve("c.tmp"), DIR.resolve("c.dat"));
        // created directory never synced: lost with everything in it, even synced
        fs.createDirectories(Path.of("/n1/snap"));
        durableFile(fs, Path.of("/n1/snap/s.dat"), "snapshot");
        assertEquals(List.of("a.dat", "b.dat", "c.dat"), fs.list(DIR));

        SimFileSystem after = fs.crashLosingAllUnsynced();
        assertEquals("durable", readString(after, FILE));
        assertEquals(List.of("a.dat", "c.tmp"), after.list(DIR));
        assertEquals("renamed", readString(after, DIR.resolve("c.tmp")));
        assertEquals(List.of("log"), after.list(Path.of("/n1")));
        assertFalse(after.exists(Path.of("/n1/snap/s.dat")));
    }

    @Test
    void crashKeepingAllUnsyncedKeepsTheCurrentView() throws IOException {
        SimFileSystem fs = diskWithDir();
        durableFile(fs, FILE, "durable");
        try (StorageFile f = fs.open(FILE, false)) {
            write(f, 7, bytes("+unsynced"));
            f.truncate(12);
        }
        try (StorageFile g = fs.open(DIR.resolve("b.tmp"), true)) {
            write(g, 0, bytes("never forced"));
        }
        fs.rename(DIR.resolve("b.tmp"), DIR.resolve("b.dat"));
        fs.delete(FILE);
        fs.createDirectories(Path.of("/n2/x"));

        SimFileSystem after = fs.crashKeepingAllUnsynced();
        assertEquals(List.of("b.dat"), after.list(DIR));
        assertEquals("never forced", readString(after, DIR.resolve("b.dat")));
        assertTrue(after.exists(Path.of("/n2/x")));
        assertEquals(12, after.totalSize());
    }

    @Test
    void renameIsAtomicAcrossCrashes() throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Path fin = DIR.resolve("meta");
        Path tmp = DIR.resolve("meta.tmp");
        int kept = 0;
        int replaced = 0;
        for (int i = 0; i < 300; i++) {
            SimFileSystem fs = diskWithDir();
            durableFile(fs, fin, "old");
            durableFile(fs, tmp, "new");
            fs.rename(tmp, fin);
            assertEquals(List.of("meta"), fs.list(DIR));
            SimFileSystem after = fs.crash(random);
            List<String> names = after.list(DIR);
            if (names.equals(List.of("meta"))) {
                assertEquals("new", readString(after, fin));
                replaced++;
            } else {
                assertEquals(List.of("meta", "meta.tmp"), names);
                assertEquals("old", readString(after, fin));
                assertEquals("new", readString(after, tmp));
                kept++;
            }
        }
        assertTrue(kept > 0 && replaced > 0, "both outcomes expected: kept=" + kept + " replaced=" + replaced);
    }

    @Test
    void renameBetweenDirectoriesIsAtomicAcrossCrashes() throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        Path a = Path.of("/a/x");
        Path b = Path.of("/b/y");
        int[] outcomes = new int[2];
        for (int i = 0; i < 300; i++) {
            SimFileSystem fs = new SimFileSystem();
            fs.createDirectories(Path.of("/a"));
            fs.createDirectories(Path.of("/b"));
            fs.syncDirectory(Path.of("/"));
            durableFile(fs, a, "payload");
            // other pending operations around the rename in both directories
            durableFile(fs, Path.of("/b/before"), "z");
            fs.delete(Path.of("/b/before"));
            fs.open(Path.of("/a/other"), true).close();
            fs.rename(a, b);
            fs.open(Path.of("/b/after"), true).close();
            SimFileSystem after = fs.crash(random);
            boolean atA = after.exists(a);
            boolean atB = after.exists(b);
            assertTrue(atA != atB, "exactly one name must survive: a=" + atA + " b=" + atB);
            assertEquals("payload", readString(after, atA ? a : b));
            if (after.exists(Path.of("/b/after"))) {
                assertTrue(atB, "a later operation of /b survived without the rename");
            }
            outcomes[atA ? 0 : 1]++;
        }
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes expected");
    }

    @Test
    void syncingEitherDirectoryMakesACrossDirectoryRenameDurableInOrder() throws IOException {
        for (String synced : List.of("/a", "/b")) {
            SimFileSystem fs = new SimFileSystem();
            fs.createDirectories(Path.of("/a"));
            fs.createDirectories(Path.of("/b"));
            fs.syncDirectory(Path.of("/"));
            durableFile(fs, Path.of("/a/x"), "new");
            durableFile(fs, Path.of("/b/z"), "old");
            fs.delete(Path.of("/b/z"));               // pending in /b, before the rename
            fs.rename(Path.of("/a/x"), Path.of("/b/z"));
            fs.open(Path.of("/a/later"), true).close(); // pending in /a, after the rename
            fs.syncDirectory(Path.of(synced));
            SimFileSystem after = fs.crashLosingAllUnsynced();
            assertEquals(List.of("z"), after.list(Path.of("/b")), "synced " + synced);
            assertEquals("new", readString(after, Path.of("/b/z")));
            assertEquals(synced.equals("/a") ? List.of("later") : List.of(), after.list(Path.of("/a")));
        }
    }

    @Test
    void deadInstanceRefusesEveryCall() throws IOException {
        SimFileSystem fs = diskWithDir();
        StorageFile f = fs.open(FILE, true);
        write(f, 0, bytes("zombie"));
        f.force();
        fs.syncDirectory(DIR);
        SimFileSystem after = fs.crash(new SplittableRandom(seed));
        assertTrue(fs.isCrashed());
        assertFalse(after.isCrashed());

        List<IoCall> calls = List.of(
                () -> write(f, 0, bytes("x")),
                () -> f.read(ByteBuffer.allocate(1), 0),
                f::size,
                () -> f.truncate(0),
                f::force,
                f::close,
                () -> fs.open(FILE, false),
                () -> fs.open(DIR.resolve("new"), true),
                () -> fs.exists(FILE),
                () -> fs.list(DIR),
                () -> fs.createDirectories(Path.of("/z")),
                () -> fs.rename(FILE, DIR.resolve("b")),
                () -> fs.delete(FILE),
                () -> fs.syncDirectory(DIR),
                () -> fs.flipBit(FILE, 0, 0),
                () -> fs.durableSize(FILE));
        for (IoCall call : calls) {
            IOException e = assertThrows(IOException.class, call::run);
            assertEquals("crashed", e.getMessage());
        }
        assertThrows(IllegalStateException.class, () -> fs.crash(new SplittableRandom(1)));
        assertThrows(IllegalStateException.class, fs::crashLosingAllUnsynced);
        assertThrows(IllegalStateException.class, () -> fs.setCapacity(10));

        assertEquals("zombie", readString(after, FILE)); // the new incarnation is unaffected
    }

    interface IoCall {
        void run() throws IOException;
    }

    @Test
    void exceedingCapacityFailsAndWritesNothing() throws IOException {
        SimFileSystem fs = diskWithDir();
        fs.setCapacity(100);
        try (StorageFile f = fs.open(FILE, true); StorageFile g = fs.open(DIR.resolve("b"), true)) {
            write(f, 0, new byte[60]);
            write(g, 0, new byte[30]);
            assertEquals(90, fs.totalSize());
            long written = fs.bytesWritten();

            IOException e = assertThrows(IOException.class, () -> write(f, 60, new byte[11]));
            assertEquals("No space left on device", e.getMessage());
            ByteBuffer src = ByteBuffer.wrap(bytes("abcdefghijklmnopqrstuvwxyz"));
            assertThrows(IOException.class, () -> f.write(src, 50)); // 16 bytes of growth: too many
            assertEquals(0, src.position(), "nothing consumed");
            assertEquals(60, f.size());
            assertArrayEquals(new byte[60], readAll(fs, FILE));
            assertEquals(written, fs.bytesWritten());

            write(f, 0, bytes("overwrite needs no space")); // within the file
            write(f, 60, new byte[10]);                       // exactly full
            assertEquals(100, fs.totalSize());
            assertThrows(IOException.class, () -> write(g, 30, new byte[1]));

            g.truncate(10);                                   // frees 20
            write(f, 70, new byte[20]);
            assertEquals(100, fs.totalSize());
        }
        fs.delete(DIR.resolve("b"));                          // frees 10
        try (StorageFile h = fs.open(DIR.resolve("c"), true)) {
            write(h, 0, new byte[10]);
            assertThrows(IOException.class, () -> write(h, 10, new byte[1]));
        }
        SimFileSystem after = fs.crashKeepingAllUnsynced();
        assertEquals(100, after.capacity());
        assertEquals(100, after.totalSize());
    }

    @Test
    void failSyncMakesForceAndSyncDirectoryFail() throws IOException {
        SimFileSystem fs = diskWithDir();
        StorageFile f = fs.open(FILE, true);
        write(f, 0, bytes("data"));
        long syncs = fs.syncCount();
        fs.setFailSync(true);
        IOException e1 = assertThrows(IOException.class, f::force);
        assertEquals("simulated fsync failure", e1.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> fs.syncDirectory(DIR));
        assertEquals("simulated fsync failure", e2.getMessage());
        assertEquals(syncs, fs.syncCount());
        assertEquals("data", readString(fs, FILE)); // the page cache still has it
        assertEquals(0, fs.durableSize(FILE));

        fs.setFailSync(false);
        f.force();
        fs.syncDirectory(DIR);
        assertEquals(syncs + 2, fs.syncCount());
        assertEquals("data", readString(fs.crashLosingAllUnsynced(), FILE));
    }

    @Test
    void flipBitChangesExactlyOneBitOfDurableContent() throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ 0xC0FFEE);
        SimFileSystem fs = diskWithDir();
        byte[] content = new byte[300];
        random.nextBytes(content);
        try (StorageFile f = fs.open(FILE, true)) {
            write(f, 0, content);
            f.force();
        }
        fs.flipBit(FILE, 17, 3);
        byte[] got = readAll(fs, FILE);
        assertEquals(1, differingBits(content, got));
        assertEquals((byte) (content[17] ^ (1 << 3)), got[17]);

        for (int i = 0; i < 100; i++) {
            byte[] before = readAll(fs, FILE);
            long bitIndex = fs.flipRandomBit(FILE, random);
            byte[] after = readAll(fs, FILE);
            assertEquals(1, differingBits(before, after));
            int off = (int) (bitIndex / 8);
            assertEquals((byte) (before[off] ^ (1 << (bitIndex % 8))), after[off]);
        }

        // only within the durable size, and under an unsynced overwrite the page cache still wins
        try (StorageFile f = fs.open(FILE, false)) {
            write(f, 300, new byte[500]);
            write(f, 0, new byte[10]);
        }
        for (int i = 0; i < 100; i++) {
            assertTrue(fs.flipRandomBit(FILE, random) < 300 * 8);
        }
        fs.flipBit(FILE, 5, 0);
        assertArrayEquals(new byte[10], java.util.Arrays.copyOf(readAll(fs, FILE), 10));
        assertThrows(IllegalArgumentException.class, () -> fs.flipBit(FILE, 300, 0));
        assertThrows(IllegalArgumentException.class, () -> fs.flipBit(FILE, 0, 8));

        // the flip is media damage: it survives a crash
        SimFileSystem fresh = diskWithDir();
        durableFile(fresh, FILE, "abc");
        fresh.flipBit(FILE, 1, 0);
        assertEquals("acc", readString(fresh.crashLosingAllUnsynced(), FILE));
        SimFileSystem empty = diskWithDir();
        empty.open(FILE, true).close();
        assertThrows(IOException.class, () -> empty.flipRandomBit(FILE, random));
    }

    static int differingBits(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
        }
        return n;
    }

    @Test
    void pathsAndDirectories() throws IOException {
        SimFileSystem fs = new SimFileSystem();
        assertThrows(NoSuchFileException.class, () -> fs.open(FILE, true));
        assertThrows(NoSuchFileException.class, () -> fs.list(DIR));
        fs.createDirectories(DIR);
        fs.createDirectories(DIR); // idempotent
        assertThrows(NoSuchFileException.class, () -> fs.open(FILE, false));
        fs.open(Path.of("/n1/./x/../log/b"), true).close();
        fs.open(Path.of("n1/log/a"), true).close();
        assertEquals(List.of("a", "b"), fs.list(Path.of("/n1/log/")));
        assertTrue(fs.exists(Path.of("/n1/log/a")));
        assertTrue(fs.exists(Path.of("/")));
        assertFalse(fs.exists(Path.of("/n1/log/a/b")));
        assertThrows(FileAlreadyExistsException.class, () -> fs.createDirectories(Path.of("/n1/log/a/sub")));
        assertThrows(IOException.class, () -> fs.open(DIR, true));
        assertThrows(DirectoryNotEmptyException.class, () -> fs.delete(DIR));
        assertThrows(NoSuchFileException.class, () -> fs.rename(Path.of("/n1/log/zz"), Path.of("/n1/log/yy")));
        assertThrows(NoSuchFileException.class, () -> fs.rename(Path.of("/n1/log/a"), Path.of("/nope/a")));
        assertThrows(IOException.class, () -> fs.rename(Path.of("/n1"), Path.of("/n1/log/inside")));

        fs.rename(Path.of("/n1/log/a"), Path.of("/n1/log/b")); // replaces
        assertEquals(List.of("b"), fs.list(DIR));
        fs.delete(Path.of("/n1/log/b"));
        fs.delete(Path.of("/n1/log/b")); // absent: no error
        fs.delete(DIR);
        assertEquals(List.of(), fs.list(Path.of("/n1")));

        // an open file keeps working after its name moves
        fs.createDirectories(DIR);
        try (StorageFile f = fs.open(FILE, true)) {
            fs.rename(FILE, DIR.resolve("moved"));
            write(f, 0, bytes("still here"));
            assertEquals("still here", readString(fs, DIR.resolve("moved")));
            f.close();
            assertThrows(IOException.class, f::size);
        }
    }

    @Test
    void countersCountSyncsAndBytes() throws IOException {
        SimFileSystem fs = new SimFileSystem();
        fs.createDirectories(DIR);
        try (StorageFile f = fs.open(FILE, true)) {
            write(f, 0, new byte[100]);
            write(f, 50, new byte[25]);
            f.force();
            f.force();
        }
        fs.syncDirectory(DIR);
        assertEquals(125, fs.bytesWritten());
        assertEquals(3, fs.syncCount());
        SimFileSystem after = fs.crashKeepingAllUnsynced();
        assertEquals(0, after.bytesWritten());
        assertEquals(0, after.syncCount());
    }

    @Test
    void operationListenerSeesEveryChangingCallInOrder() throws IOException {
        SimFileSystem fs = diskWithDir();
        List<String> seen = new ArrayList<>();
        fs.setOperationListener((op, path) -> seen.add(op + " " + path));
        fs.createDirectories(DIR.resolve("sub"));
        try (StorageFile f = fs.open(FILE, true)) {
            write(f, 0, bytes("abc"));
            f.size(); // reads are not operations
            f.read(ByteBuffer.allocate(3), 0);
            f.truncate(1);
            f.truncate(10); // counted although it changes nothing
            f.force();
        }
        try (StorageFile f = fs.open(FILE, true)) { // exists: no creation
            assertEquals(1, f.size());
        }
        fs.rename(FILE, DIR.resolve("b.dat"));
        fs.delete(DIR.resolve("absent")); // counted although it changes nothing
        fs.syncDirectory(DIR);
        fs.exists(FILE);
        fs.list(DIR);
        assertEquals(List.of(
                "CREATE_DIRECTORIES /n1/log/sub",
                "CREATE_FILE /n1/log/a.dat",
                "WRITE /n1/log/a.dat",
                "TRUNCATE /n1/log/a.dat",
                "TRUNCATE /n1/log/a.dat",
                "FORCE /n1/log/a.dat",
                "RENAME /n1/log/a.dat -> /n1/log/b.dat",
                "DELETE /n1/log/absent",
                "SYNC_DIRECTORY /n1/log"), seen);
        fs.setOperationListener(null);
        fs.delete(DIR.resolve("b.dat"));
        assertEquals(9, seen.size(), "a removed listener sees nothing");
    }

    @Test
    void operationListenerCanCrashTheDiskRightBeforeACall() throws IOException {
        SimFileSystem fs = diskWithDir();
        durableFile(fs, FILE, "old");
        SimFileSystem[] after = new SimFileSystem[1];
        fs.setOperationListener((op, path) -> {
            if (op == SimFileSystem.Operation.RENAME) {
                after[0] = fs.crashKeepingAllUnsynced();
            }
        });
        Path tmp = DIR.resolve("a.tmp");
        try (StorageFile f = fs.open(tmp, true)) {
            write(f, 0, bytes("new"));
            f.force();
        }
        IOException e = assertThrows(IOException.class, () -> fs.rename(tmp, FILE));
        assertEquals("crashed", e.getMessage());
        assertTrue(fs.isCrashed());
        // The crash came before the rename: even keeping every unsynced change, it is not there.
        assertEquals("old", readString(after[0], FILE));
        assertEquals("new", readString(after[0], tmp));
        // The successor has no listener.
        after[0].rename(tmp, FILE);
        assertEquals("new", readString(after[0], FILE));
    }

    @Test
    void appendingThousandsOfEntriesIsFast() throws IOException {
        SimFileSystem fs = diskWithDir();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] entry = new byte[120];
        long start = System.nanoTime();
        try (StorageFile f = fs.open(FILE, true)) {
            long pos = 0;
            for (int i = 0; i < 50_000; i++) {
                random.nextBytes(entry);
                write(f, pos, entry);
                pos += entry.length;
                if (i % 10 == 9) {
                    f.force();
                }
            }
            assertEquals(pos, f.size());
        }
        fs.syncDirectory(DIR);
        SimFileSystem after = fs.crash(random);
        assertEquals(50_000L * 120, after.durableSize(FILE));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 10_000, "too slow: " + millis + " ms");
    }

    @Test
    void crashesAreDeterministicGivenTheSeed() throws IOException {
        byte[][] results = new byte[2][];
        List<?>[] listings = new List<?>[2];
        for (int run = 0; run < 2; run++) {
            SimFileSystem fs = diskWithDir();
            for (int i = 0; i < 5; i++) {
                try (StorageFile f = fs.open(DIR.resolve("f" + i), true)) {
                    for (int j = 0; j < 20; j++) {
                        write(f, j * 7L, bytes("entry" + j));
                    }
                }
            }
            SimFileSystem after = fs.crash(new SplittableRandom(seed));
            listings[run] = after.list(DIR);
            StringBuilder all = new StringBuilder();
            for (String name : after.list(DIR)) {
                all.append(name).append('=').append(readString(after, DIR.resolve(name))).append(';');
            }
            results[run] = bytes(all.toString());
        }
        assertEquals(listings[0], listings[1]);
        assertArrayEquals(results[0], results[1]);
    }
}
