package io.tally.storage.log;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Deterministic entries and raw file surgery for the log tests (which, unlike the store, may use java.nio.file). */
final class LogTestSupport {

    private LogTestSupport() {
    }

    /** An entry whose content is a pure function of (index, term, length). */
    static Entry entry(long index, long term, int length) {
        SplittableRandom r = new SplittableRandom(index * 0x9E3779B97F4A7C15L ^ term * 31 ^ length);
        byte[] data = new byte[length];
        r.nextBytes(data);
        EntryType type = EntryType.values()[(int) ((index + term) % EntryType.values().length)];
        return new Entry(index, term, type, data);
    }

    /** Entries [from, from + count) of {@code term}, with data lengths drawn from [0, maxData]. */
    static List<Entry> batch(SplittableRandom r, long from, int count, long term, int maxData) {
        List<Entry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(entry(from + i, term, r.nextInt(maxData + 1)));
        }
        return out;
    }

    static void assertEntries(List<Entry> expected, List<Entry> actual) {
        assertEquals(expected.size(), actual.size(), "number of entries");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "entry at position " + i);
        }
    }

    /** Offsets of the records in a segment file, found by following the length words (an independent parser). */
    static List<Long> recordOffsets(Path segment) throws IOException {
        byte[] b = Files.readAllBytes(segment);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> offsets = new ArrayList<>();
        int x = 32;
        while (x + 8 <= b.length) {
            int len = buf.getInt(x);
            if (len == 0 || buf.getInt(x + 4) != ~len) {
                break;
            }
            offsets.add((long) x);
            x += len + 13;
        }
        return offsets;
    }

    static void flipBit(Path file, long offset, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int v = f.read();
            f.seek(offset);
            f.write(v ^ (1 << bit));
        }
    }

    static void writeByte(Path file, long offset, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(value);
        }
    }

    static void setLength(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    /** Overwrites [from, to) with zeros, keeping the file's length. */
    static void zero(Path file, long from, long to) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(from);
            f.write(new byte[(int) (to - from)]);
        }
    }

    /** Offset of the last non-zero byte of the file, or -1. */
    static long lastNonZero(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != 0) {
                return i;
            }
        }
        return -1;
    }

    /** The seed from -Dtally.test.seed when set (surefire passes the literal placeholder otherwise). */
    static long seed() {
        String s = System.getProperty("tally.test.seed", "");
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return System.nanoTime() ^ System.currentTimeMillis() * 0x9E3779B97F4A7C15L;
        }
    }
}
