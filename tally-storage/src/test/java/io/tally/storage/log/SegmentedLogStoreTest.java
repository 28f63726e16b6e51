package io.tally.storage.log;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.fs.StorageFile;
import io.tally.storage.fs.StorageFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.tally.storage.log.LogTestSupport.assertEntries;
import static io.tally.storage.log.LogTestSupport.batch;
import static io.tally.storage.log.LogTestSupport.entry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentedLogStoreTest {

    private static final SegmentedLogOptions SMALL = new SegmentedLogOptions(4096);

    @TempDir
    Path tmp;

    private SegmentedLogStore open(Path dir) throws IOException {
        return SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, SMALL);
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static List<Entry> appendBatches(SegmentedLogStore log, SplittableRandom r, long from, long toExclusive,
                                             long term, int maxData) throws IOException {
        List<Entry> all = new ArrayList<>();
        long next = from;
        while (next < toExclusive) {
            int n = (int) Math.min(toExclusive - next, 1 + r.nextInt(12));
            List<Entry> b = batch(r, next, n, term, maxData);
            log.append(b);
            log.sync();
            all.addAll(b);
            next += n;
        }
        return all;
    }

    @Test
    void emptyStore() throws IOException {
        Path dir = tmp.resolve("a/b/log");
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(1, log.firstIndex());
            assertEquals(0, log.lastIndex());
            assertEquals(List.of(), log.read(1, 1));
            log.sync();
        }
        assertTrue(Files.isDirectory(dir));
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(1, log.firstIndex());
            assertEquals(0, log.lastIndex());
        }
    }

    @Test
    void roundTripAcrossSegmentRolls() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(1);
        List<Entry> written;
        try (SegmentedLogStore log = open(dir)) {
            written = new ArrayList<>(appendBatches(log, r, 1, 400, 1, 300));
            // A record larger than a segment gets a segment of its own.
            Entry big = entry(400, 1, 10_000);
            log.append(List.of(big));
            written.add(big);
            written.addAll(appendBatches(log, r, 401, 600, 2, 120));
            assertEquals(1, log.firstIndex());
            assertEquals(599, log.lastIndex());
            assertEntries(written, log.read(1, 600));
            assertEntries(written.subList(100, 101), log.read(101, 102));
            assertEquals(List.of(), log.read(50, 50));
            assertThrows(IllegalArgumentException.class, () -> log.read(0, 2));
            assertThrows(IllegalArgumentException.class, () -> log.read(599, 601));
            assertThrows(IllegalArgumentException.class, () -> log.append(List.of(entry(601, 2, 1))));
            log.sync();
        }
        List<Path> segs = segmentFiles(dir);
        assertTrue(segs.size() >= 10, "expected many segments, got " + segs);
        assertTrue(segs.contains(dir.resolve("00000000000000000400.seg")), "the big record starts its own segment: " + segs);
        assertTrue(Files.size(dir.resolve("00000000000000000400.seg")) >= 10_000);
        assertEquals(4096, Files.size(segs.get(0)));
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(1, log.firstIndex());
            assertEquals(599, log.lastIndex());
            assertEntries(written, log.read(1, 600));
            written.addAll(appendBatches(log, r, 600, 700, 3, 200));
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEntries(written, log.read(1, 700));
        }
    }

    @Test
    void firstAppendMayStartAnywhere() throws IOException {
        Path dir = tmp.resolve("log");
        List<Entry> b = batch(new SplittableRandom(2), 1000, 5, 7, 50);
        try (SegmentedLogStore log = open(dir)) {
            log.append(b);
            log.sync();
            assertEquals(1000, log.firstIndex());
            assertEquals(1004, log.lastIndex());
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(1000, log.firstIndex());
            assertEntries(b, log.read(1000, 1005));
        }
    }

    @Test
    void truncateSuffixThenAppendThenReopen() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(3);
        List<Entry> expected;
        try (SegmentedLogStore log = open(dir)) {
            List<Entry> first = appendBatches(log, r, 1, 300, 1, 200);
            log.truncateSuffix(150);
            assertEquals(149, log.lastIndex());
            log.truncateSuffix(500); // beyond the end: no-op
            assertEquals(149, log.lastIndex());
            List<Entry> second = appendBatches(log, r, 150, 220, 2, 200);
            expected = new ArrayList<>(first.subList(0, 149));
            expected.addAll(second);
            assertEntries(expected, log.read(1, 220));
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(1, log.firstIndex());
            assertEquals(219, log.lastIndex());
            assertEntries(expected, log.read(1, 220));
            // Truncate exactly at a segment boundary: the whole segment goes.
            List<Path> segs = segmentFiles(dir);
            Path third = segs.get(2);
            long boundary = Long.parseLong(third.getFileName().toString().substring(0, 20));
            log.truncateSuffix(boundary);
            log.sync();
            assertFalse(Files.exists(third));
            assertEquals(boundary - 1, log.lastIndex());
            expected = new ArrayList<>(expected.subList(0, (int) boundary - 1));
            expected.addAll(appendBatches(log, r, boundary, boundary + 30, 3, 200));
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEntries(expected, log.read(1, log.lastIndex() + 1));
            assertEquals(expected.size(), log.lastIndex());
        }
    }

    @Test
    void truncatedRecordsNeverReappear() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(4);
        try (SegmentedLogStore log = open(dir)) {
            appendBatches(log, r, 1, 40, 1, 60);
            log.truncateSuffix(20);
            log.sync();
        }
        // The truncated bytes are zeros, so no scan can find entries 20..39 again.
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(19, log.lastIndex());
        }
        Path last = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
        List<Long> offsets = LogTestSupport.recordOffsets(last);
        long lastRecordStart = offsets.get(offsets.size() - 1);
        long lastNonZero = LogTestSupport.lastNonZero(last);
        // The last non-zero byte is the trailer of entry 19's record.
        assertEquals((byte) 0xA5, Files.readAllBytes(last)[(int) lastNonZero]);
        assertTrue(lastNonZero > lastRecordStart);
    }

    @Test
    void truncateSuffixToEmptyThenAppendElsewhere() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(5);
        try (SegmentedLogStore log = open(dir)) {
            appendBatches(log, r, 1, 200, 1, 100);
            log.truncateSuffix(1);
            assertEquals(1, log.firstIndex());
            assertEquals(0, log.lastIndex());
            log.sync();
            assertEquals(List.of(), segmentFiles(dir));
        }
        List<Entry> b;
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(1, log.firstIndex());
            assertEquals(0, log.lastIndex());
            b = batch(r, 77, 10, 4, 100);
            log.append(b);
            log.sync();
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(77, log.firstIndex());
            assertEntries(b, log.read(77, 87));
        }
    }

    @Test
    void truncatePrefixPersistsFirstIndex() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(6);
        List<Entry> all;
        try (SegmentedLogStore log = open(dir)) {
            all = appendBatches(log, r, 1, 500, 1, 200);
            log.truncatePrefix(0); // below firstIndex: no-op
            assertEquals(1, log.firstIndex());
            log.truncatePrefix(250);
            assertEquals(251, log.firstIndex());
            assertEquals(499, log.lastIndex());
            assertThrows(IllegalArgumentException.class, () -> log.read(250, 252));
            assertEntries(all.subList(250, 499), log.read(251, 500));
            log.sync();
        }
        List<Path> segs = segmentFiles(dir);
        long firstSegment = Long.parseLong(segs.get(0).getFileName().toString().substring(0, 20));
        assertTrue(firstSegment > 1, "whole segments below 251 are deleted");
        assertTrue(firstSegment < 251, "the first remaining segment starts below the first index: " + firstSegment);
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(251, log.firstIndex());
            assertEquals(499, log.lastIndex());
            assertThrows(IllegalArgumentException.class, () -> log.read(firstSegment, 252));
            assertEntries(all.subList(250, 499), log.read(251, 500));
            // Beyond the last entry: the store becomes empty with firstIndex upTo + 1.
            log.truncatePrefix(600);
            assertEquals(601, log.firstIndex());
            assertEquals(600, log.lastIndex());
        }
        assertEquals(List.of(), segmentFiles(dir));
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(601, log.firstIndex());
            assertEquals(600, log.lastIndex());
            List<Entry> b = batch(r, 601, 3, 2, 10);
            log.append(b);
            log.sync();
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(601, log.firstIndex());
            assertEquals(603, log.lastIndex());
            // An empty store accepts an append anywhere, even below its firstIndex; a restart agrees.
            log.truncatePrefix(700);
            List<Entry> b = batch(r, 650, 3, 3, 10);
            log.append(b);
            log.sync();
            assertEquals(650, log.firstIndex());
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(650, log.firstIndex());
            assertEquals(652, log.lastIndex());
        }
    }

    @Test
    void leftoverSegmentsOfAnInterruptedPrefixTruncationAreIgnored() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(7);
        List<Entry> all;
        Path firstSeg;
        byte[] firstSegBytes;
        try (SegmentedLogStore log = open(dir)) {
            all = appendBatches(log, r, 1, 300, 1, 200);
            firstSeg = segmentFiles(dir).get(0);
            firstSegBytes = Files.readAllBytes(firstSeg);
            log.truncatePrefix(200);
        }
        // As if the crash had persisted the first-index file but not the deletion of the first segment.
        Files.write(firstSeg, firstSegBytes);
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(201, log.firstIndex());
            assertEntries(all.subList(200, 299), log.read(201, 300));
        }
        assertFalse(Files.exists(firstSeg));
    }

    @Test
    void interruptedSuffixTruncationIsCompletedAtStartup() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(8);
        List<Entry> all;
        List<Path> before;
        List<byte[]> beforeBytes = new ArrayList<>();
        try (SegmentedLogStore log = open(dir)) {
            all = appendBatches(log, r, 1, 200, 1, 40);
            before = segmentFiles(dir);
            for (Path p : before) {
                beforeBytes.add(Files.readAllBytes(p));
            }
            log.truncateSuffix(30);
            log.append(batch(r, 30, 5, 2, 3000)); // unsynced, and rolls into a new segment
            // "Crash" before sync: the intent file is durable; pretend the zeroing was torn (only its first
            // 100 bytes reached the disk) and the deletions of later segments were lost.
        }
        assertTrue(Files.exists(dir.resolve(SegmentedLogStore.INTENT_FILE)));
        assertTrue(before.size() >= 2, "several segments: " + before);
        Path keep = before.get(0);
        byte[] old = beforeBytes.get(0);
        Path copy = tmp.resolve("copy.seg");
        Files.write(copy, old);
        List<Long> oldOffsets = LogTestSupport.recordOffsets(copy);
        assertTrue(oldOffsets.size() > 30, "entry 30 is in the first segment");
        long from = oldOffsets.get(29);
        byte[] now = Files.readAllBytes(keep);
        System.arraycopy(old, (int) from + 100, now, (int) from + 100, old.length - (int) from - 100);
        Files.write(keep, now);
        for (int i = 1; i < before.size(); i++) {
            Files.write(before.get(i), beforeBytes.get(i));
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(1, log.firstIndex());
            assertEquals(29, log.lastIndex());
            assertEntries(all.subList(0, 29), log.read(1, 30));
        }
        assertFalse(Files.exists(dir.resolve(SegmentedLogStore.INTENT_FILE)));
        assertEquals(List.of(keep), segmentFiles(dir));
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(29, log.lastIndex());
        }
    }

    @Test
    void syncRemovesTheTruncationIntent() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(9);
        try (SegmentedLogStore log = open(dir)) {
            appendBatches(log, r, 1, 50, 1, 100);
            log.truncateSuffix(10);
            assertTrue(Files.exists(dir.resolve(SegmentedLogStore.INTENT_FILE)));
            log.truncateSuffix(20); // no-op: beyond the end
            log.truncateSuffix(5);
            log.append(batch(r, 5, 10, 2, 100));
            log.sync();
            assertFalse(Files.exists(dir.resolve(SegmentedLogStore.INTENT_FILE)));
        }
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(14, log.lastIndex());
            assertEquals(2, log.read(5, 6).get(0).term());
        }
    }

    @Test
    void tornTailAtEveryBytePosition() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(10);
        List<Entry> all;
        long start;
        long end;
        Entry lastEntry = entry(21, 1, 150);
        try (SegmentedLogStore log = open(dir)) {
            all = appendBatches(log, r, 1, 21, 1, 100);
            start = log.activeSegmentEnd();
            log.append(List.of(lastEntry));
            log.sync();
            end = log.activeSegmentEnd();
        }
        List<Path> segs = segmentFiles(dir);
        Path last = segs.get(segs.size() - 1);
        assertEquals(start, LogTestSupport.recordOffsets(last).get(LogTestSupport.recordOffsets(last).size() - 1));
        byte[] original = Files.readAllBytes(last);
        int cases = 0;
        for (long cut = start; cut <= end; cut++) {
            for (boolean shorten : new boolean[]{false, true}) {
                for (Path p : segmentFiles(dir)) {
                    if (!segs.contains(p)) {
                        Files.delete(p); // a segment the previous round created
                    }
                }
                Files.write(last, original);
                if (shorten) {
                    LogTestSupport.setLength(last, cut); // the file ends at the tear
                } else {
                    LogTestSupport.zero(last, cut, end); // the tear followed by the preallocated zeros
                }
                boolean complete = cut == end;
                try (SegmentedLogStore log = open(dir)) {
                    assertEquals(complete ? 21 : 20, log.lastIndex(), "cut at " + cut + " shorten=" + shorten);
                    assertEntries(all, log.read(1, 21));
                    if (!complete) {
                        log.append(List.of(lastEntry));
                        log.sync();
                    }
                }
                try (SegmentedLogStore log = open(dir)) {
                    assertEquals(21, log.lastIndex(), "cut at " + cut);
                    assertEquals(lastEntry, log.read(21, 22).get(0));
                }
                cases++;
            }
        }
        assertEquals(2 * (end - start + 1), cases);
    }

    @Test
    void interruptedSegmentCreationIsRemoved() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(11);
        List<Entry> all;
        try (SegmentedLogStore log = open(dir)) {
            all = appendBatches(log, r, 1, 30, 1, 100);
        }
        byte[] header = LogFormat.header(30);
        for (int n = 0; n < 32; n++) {
            Path torn = dir.resolve(LogFormat.segmentName(30));
            byte[] content = new byte[n % 2 == 0 ? n : 4096];
            System.arraycopy(header, 0, content, 0, n);
            Files.write(torn, content);
            try (SegmentedLogStore log = open(dir)) {
                assertEquals(29, log.lastIndex());
                assertEntries(all, log.read(1, 30));
            }
            // From 20 bytes on the header is complete (the rest is padding): an empty segment, kept.
            assertEquals(n >= 20, Files.exists(torn), "prefix of " + n + " header bytes");
            if (n >= 20) {
                // It may be too small to hold the next record (the file ends early): it is replaced.
                try (SegmentedLogStore log = open(dir)) {
                    Entry e = entry(30, 1, 5000);
                    log.append(List.of(e));
                    log.sync();
                    assertEquals(List.of(e), log.read(30, 31));
                }
                try (SegmentedLogStore log = open(dir)) {
                    assertEquals(30, log.lastIndex());
                    assertEquals(entry(30, 1, 5000), log.read(30, 31).get(0));
                    log.truncateSuffix(30);
                    log.sync();
                }
            }
        }
        // A damaged (not merely incomplete) header is corruption.
        Path bad = dir.resolve(LogFormat.segmentName(30));
        byte[] content = header.clone();
        content[9] ^= 4;
        Files.write(bad, content);
        LogCorruptionException e = assertThrows(LogCorruptionException.class, () -> open(dir));
        assertEquals(bad, e.file());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("refusing to start"), e.getMessage());
    }

    @Test
    void bitFlipInAMiddleRecordIsCorruption() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(12);
        try (SegmentedLogStore log = open(dir)) {
            appendBatches(log, r, 1, 200, 1, 150);
        }
        List<Path> segs = segmentFiles(dir);
        Path victim = segs.get(segs.size() / 2);
        long first = Long.parseLong(victim.getFileName().toString().substring(0, 20));
        List<Long> offsets = LogTestSupport.recordOffsets(victim);
        int k = offsets.size() / 2;
        long offset = offsets.get(k);
        long size = offsets.get(k + 1) - offset;
        byte[] original = Files.readAllBytes(victim);
        for (long pos = offset; pos < offset + size; pos++) {
            Files.write(victim, original);
            LogTestSupport.flipBit(victim, pos, (int) (pos % 8));
            LogCorruptionException e = assertThrows(LogCorruptionException.class, () -> open(dir), "flip at " + pos);
            assertEquals(victim, e.file());
            assertEquals(offset, e.offset());
            assertEquals(first + k, e.index());
            assertTrue(e.getMessage().contains(victim.toString()) && e.getMessage().contains("offset " + offset)
                    && e.getMessage().contains("(entry " + (first + k) + ")"), e.getMessage());
        }
        Files.write(victim, original);
        // A bit flipped in the zeros after the data of a full segment is corruption too.
        long tail = Files.size(victim) - 1;
        assertTrue(LogTestSupport.lastNonZero(victim) < tail);
        LogTestSupport.flipBit(victim, tail, 3);
        assertThrows(LogCorruptionException.class, () -> open(dir));
        Files.write(victim, original);
        try (SegmentedLogStore log = open(dir)) {
            assertEquals(199, log.lastIndex());
        }
    }

    @Test
    void bitFlipInTheLastCompleteRecordIsCorruptionNotATornTail() throws IOException {
        Path dir = tmp.resolve("log");
        SplittableRandom r = new SplittableRandom(13);
        try (SegmentedLogStore log = open(dir)) {
            appendBatches(log, r, 1, 50, 1, 100);
        }
        List<Path> segs = segmentFiles(dir);
        Path last = segs.get(segs.size() - 1);
        long first = Long.parseLong(last.getFileName().toString().substring(0, 20));
        List<Long> offsets = LogTestSupport.recordOffsets(last);
        long offset = offsets.get(offsets.size() - 1);
        long end = LogTestSupport.lastNonZero(last) + 1;
        byte[] original = Files.readAllBytes(last);
        for (long pos = offset; pos < end; pos++) {
            for (int bit = 0; bit < 8; bit += 3) {
                Files.write(last, original);
                LogTestSupport.flipBit(last, pos, bit);
                LogCorruptionException e = assertThrows(LogCorruptionException.class, () -> open(dir),
                        "flip of bit " + bit + " at " + pos);
                assertEquals(offset, e.offset());
                assertEquals(49, e.index());
                assertEquals(first + offsets.size() - 1, e.index());
            }
        }
        // Garbage after the end of the data (not a tear: beyond the length word) is corruption as well.
        Files.write(last, original);
        LogTestSupport.writeByte(last, end + 20, 7);
        LogCorruptionException e = assertThrows(LogCorruptionException.class, () -> open(dir));
        assertEquals(end, e.offset());
        assertEquals(50, e.index());
    }

    @Test
    void corruptFirstIndexFileIsReported() throws IOException {
        Path dir = tmp.resolve("log");
        try (SegmentedLogStore log = open(dir)) {
            log.append(batch(new SplittableRandom(14), 1, 10, 1, 10));
            log.truncatePrefix(5);
            log.sync();
        }
        Path f = dir.resolve(SegmentedLogStore.FIRST_INDEX_FILE);
        LogTestSupport.flipBit(f, 2, 1);
        LogCorruptionException e = assertThrows(LogCorruptionException.class, () -> open(dir));
        assertEquals(f, e.file());
        assertEquals(-1, e.index());
    }

    @Test
    void readVerifiesTheChecksum() throws IOException {
        Path dir = tmp.resolve("log");
        try (SegmentedLogStore log = open(dir)) {
            log.append(batch(new SplittableRandom(15), 1, 10, 1, 100));
            log.sync();
            Path seg = segmentFiles(dir).get(0);
            long offset = LogTestSupport.recordOffsets(seg).get(4);
            LogTestSupport.flipBit(seg, offset + 10, 0);
            LogCorruptionException e = assertThrows(LogCorruptionException.class, () -> log.read(1, 11));
            assertEquals(5, e.index());
            assertEquals(offset, e.offset());
            assertEquals(4, log.read(1, 5).size()); // other entries stay readable
        }
    }

    @Test
    void failedForceIsFatal() throws IOException {
        Path dir = tmp.resolve("log");
        FaultyFileSystem fs = new FaultyFileSystem();
        SegmentedLogStore log = SegmentedLogStore.open(fs, dir, SMALL);
        log.append(batch(new SplittableRandom(16), 1, 5, 1, 10));
        log.sync();
        log.append(batch(new SplittableRandom(17), 6, 5, 1, 10));
        fs.failForce = true;
        IOException first = assertThrows(IOException.class, log::sync);
        assertEquals("injected fsync failure", first.getMessage());
        fs.failForce = false;
        // Never retried: every later call fails, naming the cause.
        for (ThrowingRunnable call : List.<ThrowingRunnable>of(log::sync, () -> log.read(1, 2),
                () -> log.append(List.of(entry(11, 1, 1))), () -> log.truncateSuffix(3), () -> log.truncatePrefix(3))) {
            IOException e = assertThrows(IOException.class, call::run);
            assertTrue(e.getMessage().startsWith("log store failed earlier: ") && e.getMessage().endsWith("; the node must restart"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("injected fsync failure"), e.getMessage());
        }
        log.close();
    }

    @Test
    void failedWriteDoesNotBecomeVisible() throws IOException {
        Path dir = tmp.resolve("log");
        FaultyFileSystem fs = new FaultyFileSystem();
        SegmentedLogStore log = SegmentedLogStore.open(fs, dir, SMALL);
        List<Entry> b = batch(new SplittableRandom(18), 1, 5, 1, 10);
        log.append(b);
        log.sync();
        fs.failWriteAfterBytes = 7; // a full disk: part of the write lands, then ENOSPC
        assertThrows(IOException.class, () -> log.append(batch(new SplittableRandom(19), 6, 5, 1, 10)));
        assertEquals(5, log.lastIndex());
        assertThrows(IOException.class, log::sync);
        log.close();
        fs.failWriteAfterBytes = -1;
        try (SegmentedLogStore again = SegmentedLogStore.open(fs, dir, SMALL)) {
            assertEquals(5, again.lastIndex()); // the partial record is a torn tail
            assertEntries(b, again.read(1, 6));
        }
    }

    @Test
    void closedStoreRefusesCalls() throws IOException {
        SegmentedLogStore log = open(tmp.resolve("log"));
        log.close();
        log.close();
        assertThrows(IOException.class, () -> log.append(List.of(entry(1, 1, 1))));
        assertThrows(IOException.class, log::sync);
    }

    @Test
    void optionsValidate() {
        assertEquals(64L << 20, SegmentedLogOptions.defaults().segmentSize());
        assertThrows(IllegalArgumentException.class, () -> new SegmentedLogOptions(4095));
        assertEquals(4096, new SegmentedLogOptions(4096).segmentSize());
    }

    @Test
    void headerLayout() {
        byte[] h = LogFormat.header(0x0102030405060708L);
        assertArrayEquals(new byte[]{'T', 'L', 'O', 'G', 1, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1}, java.util.Arrays.copyOf(h, 16));
        assertEquals(32, h.length);
        ByteBuffer rec = ByteBuffer.allocate(40).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        LogFormat.encode(new Entry(3, 2, EntryType.NOOP, new byte[]{9, 9}), rec);
        assertEquals(32, rec.position());
        assertEquals(19, rec.getInt(0));
        assertEquals(~19, rec.getInt(4));
        assertEquals(3, rec.getLong(8));
        assertEquals(2, rec.getLong(16));
        assertEquals(2, rec.get(24));
        assertEquals((byte) 0xA5, rec.get(31));
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws IOException;
    }

    /** The real disk, with injectable write and fsync failures. */
    static final class FaultyFileSystem implements StorageFileSystem {
        volatile boolean failForce;
        volatile long failWriteAfterBytes = -1;

        @Override
        public StorageFile open(Path file, boolean create) throws IOException {
            StorageFile f = NioFileSystem.INSTANCE.open(file, create);
            return new StorageFile() {
                @Override
                public int read(ByteBuffer dst, long position) throws IOException {
                    return f.read(dst, position);
                }

                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    if (failWriteAfterBytes >= 0) {
                        ByteBuffer part = src.duplicate();
                        part.limit(part.position() + (int) Math.min(part.remaining(), failWriteAfterBytes));
                        f.write(part, position);
                        throw new IOException("No space left on device");
                    }
                    f.write(src, position);
                }

                @Override
                public long size() throws IOException {
                    return f.size();
                }

                @Override
                public void truncate(long size) throws IOException {
                    f.truncate(size);
                }

                @Override
                public void force() throws IOException {
                    if (failForce) {
                        throw new IOException("injected fsync failure");
                    }
                    f.force();
                }

                @Override
                public void close() throws IOException {
                    f.close();
                }
            };
        }

        @Override
        public boolean exists(Path path) {
            return NioFileSystem.INSTANCE.exists(path);
        }

        @Override
        public List<String> list(Path dir) throws IOException {
            return NioFileSystem.INSTANCE.list(dir);
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            NioFileSystem.INSTANCE.createDirectories(dir);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            NioFileSystem.INSTANCE.rename(from, to);
        }

        @Override
        public void delete(Path path) throws IOException {
            NioFileSystem.INSTANCE.delete(path);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            if (failForce) {
                throw new IOException("injected fsync failure");
            }
            NioFileSystem.INSTANCE.syncDirectory(dir);
        }
    }
}
