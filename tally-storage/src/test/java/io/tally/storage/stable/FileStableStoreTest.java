package io.tally.storage.stable;

import io.tally.raft.model.HardState;
import io.tally.storage.StorageCorruptionException;
import io.tally.storage.fs.NioFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileStableStoreTest {

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("stable");
    }

    private FileStableStore open() throws IOException {
        return FileStableStore.open(NioFileSystem.INSTANCE, dir());
    }

    private Path file() {
        return dir().resolve(FileStableStore.FILE_NAME);
    }

    @Test
    void newStoreLoadsEmptyAndCreatesNothingButTheDirectory() throws IOException {
        try (FileStableStore store = open()) {
            assertEquals(HardState.EMPTY, store.load());
        }
        assertTrue(Files.isDirectory(dir()));
        assertFalse(Files.exists(file()));
    }

    @Test
    void roundTrip() throws IOException {
        try (FileStableStore store = open()) {
            store.save(new HardState(7, "node-2"));
            assertEquals(new HardState(7, "node-2"), store.load());
            store.save(new HardState(8, null));
            assertEquals(new HardState(8, null), store.load());
        }
    }

    @Test
    void survivesReopen() throws IOException {
        try (FileStableStore store = open()) {
            store.save(new HardState(3, "a"));
            store.save(new HardState(Long.MAX_VALUE, "ü-ñode-ünïcode"));
        }
        try (FileStableStore store = open()) {
            assertEquals(new HardState(Long.MAX_VALUE, "ü-ñode-ünïcode"), store.load());
        }
    }

    @Test
    void nullVoteRoundTripsAndShorterStateReplacesLonger() throws IOException {
        try (FileStableStore store = open()) {
            store.save(new HardState(2, "a-rather-long-node-identifier"));
            store.save(new HardState(2, null));
        }
        try (FileStableStore store = open()) {
            assertEquals(new HardState(2, null), store.load());
        }
        // version + term + vote length + CRC, no vote bytes
        assertEquals(1 + 8 + 2 + 4, Files.size(file()));
    }

    @Test
    void byteLayoutIsAsDocumented() throws IOException {
        try (FileStableStore store = open()) {
            store.save(new HardState(0x0102030405060708L, "ab"));
        }
        byte[] b = Files.readAllBytes(file());
        assertEquals(1 + 8 + 2 + 2 + 4, b.length);
        assertEquals(1, b[0]);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, Arrays.copyOfRange(b, 1, 9));
        assertArrayEquals(new byte[] {0, 2, 'a', 'b'}, Arrays.copyOfRange(b, 9, 13));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, 0, 13);
        assertEquals((int) crc.getValue(), java.nio.ByteBuffer.wrap(b, 13, 4).getInt());
    }

    @Test
    void everyCorruptedByteIsDetected() throws IOException {
        try (FileStableStore store = open()) {
            store.save(new HardState(42, "node-1"));
        }
        byte[] good = Files.readAllBytes(file());
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                Files.write(file(), bad);
                try (FileStableStore store = open()) {
                    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, store::load,
                            "flipped bit " + bit + " of byte " + i);
                    assertEquals(file(), e.file());
                    assertTrue(e.getMessage().startsWith("corrupt " + file() + ": "), e.getMessage());
                }
            }
        }
    }

    @Test
    void truncatedEmptyOverlongAndUnknownVersionAreCorrupt() throws IOException {
        try (FileStableStore store = open()) {
            store.save(new HardState(42, "node-1"));
        }
        byte[] good = Files.readAllBytes(file());
        for (int len = 0; len < good.length; len++) {
            Files.write(file(), Arrays.copyOf(good, len));
            try (FileStableStore store = open()) {
                assertThrows(StorageCorruptionException.class, store::load, "truncated to " + len);
            }
        }
        Files.write(file(), Arrays.copyOf(good, good.length + 1));
        try (FileStableStore store = open()) {
            assertTrue(assertThrows(StorageCorruptionException.class, store::load).problem().contains("trailing"));
        }
        byte[] v2 = good.clone();
        v2[0] = 2;
        Files.write(file(), v2);
        try (FileStableStore store = open()) {
            assertTrue(assertThrows(StorageCorruptionException.class, store::load).problem().contains("version 2"));
        }
    }

    @Test
    void leftoverTmpIsIgnoredAndDeleted() throws IOException {
        try (FileStableStore store = open()) {
            store.save(new HardState(5, "x"));
        }
        Path leftover = dir().resolve(FileStableStore.TMP_NAME);
        Files.write(leftover, new byte[] {1, 2, 3}); // a torn, interrupted save
        try (FileStableStore store = open()) {
            assertEquals(new HardState(5, "x"), store.load());
            assertFalse(Files.exists(leftover));
            store.save(new HardState(6, "y"));
            assertEquals(new HardState(6, "y"), store.load());
        }
    }

    @Test
    void leftoverTmpWithoutCommittedFileIsANewNode() throws IOException {
        Files.createDirectories(dir());
        Files.write(dir().resolve(FileStableStore.TMP_NAME), new byte[] {9, 9});
        try (FileStableStore store = open()) {
            assertEquals(HardState.EMPTY, store.load());
        }
        assertFalse(Files.exists(dir().resolve(FileStableStore.TMP_NAME)));
    }

    @Test
    void saveWritesTmpForcesRenamesThenSyncsTheDirectory() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileStableStore store = FileStableStore.open(fs, dir())) {
            store.save(new HardState(1, "a"));
            fs.clearOps();
            store.save(new HardState(2, "b"));
        }
        assertEquals(List.of(
                "create stable/hard-state.tmp",
                "truncate stable/hard-state.tmp",
                "write stable/hard-state.tmp",
                "force stable/hard-state.tmp",
                "rename stable/hard-state.tmp stable/hard-state",
                "sync stable"), fs.ops());
    }

    @Test
    void openCreatesMissingDirectoriesDurably() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        Path nested = tmp.resolve("a/b/stable");
        try (FileStableStore store = FileStableStore.open(fs, nested)) {
            store.save(new HardState(1, null));
        }
        List<String> ops = fs.ops();
        assertTrue(ops.containsAll(List.of("sync ", "sync a", "sync a/b")), ops.toString());
    }

    @Test
    void failedFsyncLeavesTheStoreFailed() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileStableStore store = FileStableStore.open(fs, dir())) {
            store.save(new HardState(1, "a"));
            fs.failWhen(op -> op.startsWith("force "));
            assertThrows(IOException.class, () -> store.save(new HardState(2, "b")));
            fs.failWhen(op -> false);
            int before = fs.ops().size();
            IOException again = assertThrows(IOException.class, () -> store.save(new HardState(3, "c")));
            assertTrue(again.getMessage().contains("failed earlier"), again.getMessage());
            assertThrows(IOException.class, store::load);
            assertEquals(before, fs.ops().size(), "a failed store must not touch the disk again");
        }
        // The old state is intact on disk; a restarted node reads it.
        try (FileStableStore store = open()) {
            assertEquals(new HardState(1, "a"), store.load());
        }
    }

    @Test
    void failedDirectorySyncLeavesTheStoreFailed() throws IOException {
        RecordingFileSystem fs = new RecordingFileSystem(tmp);
        try (FileStableStore store = FileStableStore.open(fs, dir())) {
            fs.failWhen(op -> op.startsWith("sync "));
            assertThrows(IOException.class, () -> store.save(new HardState(2, "b")));
            fs.failWhen(op -> false);
            assertThrows(IOException.class, () -> store.save(new HardState(2, "b")));
        }
    }

    @Test
    void closedStoreRejectsCalls() throws IOException {
        FileStableStore store = open();
        store.close();
        assertThrows(IOException.class, () -> store.save(new HardState(1, null)));
        assertThrows(IOException.class, store::load);
    }
}
