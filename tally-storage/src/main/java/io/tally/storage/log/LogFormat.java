package io.tally.storage.log;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of segment files (see docs/storage.md, "Log segments"). All integers are little endian.
 *
 * <pre>
 * header (32 bytes):  "TLOG" | u16 version = 1 | u16 reserved = 0 | u64 firstIndex | u32 CRC32C(bytes 0..15) | 12 zero bytes
 * record (13 + len):  u32 len | u32 ~len | body[len] = (u64 index | u64 term | u8 type | data) | u32 CRC32C(len word, body) | u8 0xA5
 * </pre>
 *
 * The end of the data is a length word of 0 (the preallocated, never-written zeros).
 */
final class LogFormat {

    static final int HEADER_SIZE = 32;
    static final byte[] MAGIC = "TLOG".getBytes(StandardCharsets.US_ASCII);
    static final short VERSION = 1;
    /** Length word + complement + CRC + trailer. */
    static final int RECORD_OVERHEAD = 13;
    /** Index + term + type: the smallest possible body. */
    static final int MIN_BODY = 17;
    /** Keeps every record addressable by an int-sized array. */
    static final int MAX_BODY = Integer.MAX_VALUE - 64;
    static final int MAX_DATA = MAX_BODY - MIN_BODY;
    static final byte TRAILER = (byte) 0xA5;
    static final String SEGMENT_SUFFIX = ".seg";

    private LogFormat() {
    }

    static String segmentName(long firstIndex) {
        return String.format("%020d%s", firstIndex, SEGMENT_SUFFIX);
    }

    /** The first index encoded in a segment file name, or -1 if {@code name} is not a segment name. */
    static long parseSegmentName(String name) {
        if (name.length() != 20 + SEGMENT_SUFFIX.length() || !name.endsWith(SEGMENT_SUFFIX)) {
            return -1;
        }
        for (int i = 0; i < 20; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1; // beyond Long.MAX_VALUE
        }
    }

    static int recordSize(Entry e) {
        return RECORD_OVERHEAD + MIN_BODY + e.data().length;
    }

    static byte[] header(long firstIndex) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort(VERSION).putShort((short) 0).putLong(firstIndex);
        b.putInt((int) crc(b.array(), 0, 16));
        return b.array(); // the padding is already zero
    }

    /** Why {@code h} (32 bytes) is not a valid header for a segment named after {@code firstIndex}; null if it is. */
    static String checkHeader(byte[] h, long firstIndex) {
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (h[i] != MAGIC[i]) {
                return "bad magic (not a Tally log segment)";
            }
        }
        int crc = b.getInt(16);
        if (crc != (int) crc(h, 0, 16)) {
            return "header CRC mismatch";
        }
        int version = b.getShort(4) & 0xFFFF;
        if (version != VERSION) {
            return "unsupported format version " + version;
        }
        if (b.getShort(6) != 0) {
            return "reserved header field is not zero";
        }
        for (int i = 20; i < HEADER_SIZE; i++) {
            if (h[i] != 0) {
                return "header padding is not zero";
            }
        }
        long first = b.getLong(8);
        if (first != firstIndex || first < 1) {
            return "header says first index " + first + " but the file name says " + firstIndex;
        }
        return null;
    }

    /**
     * Whether {@code h} could be what a crash left of the header of a segment being created: every byte is
     * either the expected one or zero (an unwritten byte).
     */
    static boolean isTornHeader(byte[] h, long firstIndex) {
        byte[] expected = header(firstIndex);
        for (int i = 0; i < HEADER_SIZE; i++) {
            if (h[i] != 0 && h[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Appends the record of {@code e} to {@code dst} (little endian, with room for it). */
    static void encode(Entry e, ByteBuffer dst) {
        byte[] data = e.data();
        int len = MIN_BODY + data.length;
        int start = dst.position();
        dst.putInt(len).putInt(~len).putLong(e.index()).putLong(e.term()).put((byte) e.type().code()).put(data);
        CRC32C c = new CRC32C();
        c.update(dst.array(), dst.arrayOffset() + start, 4);
        c.update(dst.array(), dst.arrayOffset() + start + 8, len);
        dst.putInt((int) c.getValue()).put(TRAILER);
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    static long getLong(byte[] b, int off) {
        return (getInt(b, off) & 0xFFFFFFFFL) | (long) getInt(b, off + 4) << 32;
    }

    /** Whether the length word {@code len} and its complement agree and the length is plausible. */
    static boolean pairValid(int len, int complement) {
        long u = len & 0xFFFFFFFFL;
        return complement == ~len && u >= MIN_BODY && u <= MAX_BODY;
    }

    static String describeBadPair(int len, int complement) {
        long u = len & 0xFFFFFFFFL;
        if (u == 0 && complement == 0) {
            return "record missing (zero length word)";
        }
        if (complement != ~len) {
            return String.format("length word 0x%08x does not match its complement 0x%08x", len, complement);
        }
        return "record length " + u + " out of range [" + MIN_BODY + ", " + MAX_BODY + "]";
    }

    /**
     * Checks the complete record of body length {@code len} at {@code b[off]} (whose length pair is valid):
     * trailer, CRC, index, term and type. Returns why it is bad, or null.
     */
    static String checkRecord(byte[] b, int off, int len, long expectedIndex) {
        int crcPos = off + 8 + len;
        if (b[crcPos + 4] != TRAILER) {
            return String.format("trailer byte is 0x%02x, not 0xa5", b[crcPos + 4] & 0xFF);
        }
        CRC32C c = new CRC32C();
        c.update(b, off, 4);
        c.update(b, off + 8, len);
        if (getInt(b, crcPos) != (int) c.getValue()) {
            return "CRC mismatch";
        }
        long index = getLong(b, off + 8);
        if (index != expectedIndex) {
            return "record holds entry " + index + " where entry " + expectedIndex + " belongs";
        }
        long term = getLong(b, off + 16);
        if (term < 1) {
            return "term " + term + " is not positive";
        }
        int code = b[off + 24] & 0xFF;
        if (typeOf(code) == null) {
            return "unknown entry type code " + code;
        }
        return null;
    }

    /** Decodes a record already validated by {@link #checkRecord}. */
    static Entry decode(byte[] b, int off, int len) {
        long index = getLong(b, off + 8);
        long term = getLong(b, off + 16);
        EntryType type = typeOf(b[off + 24] & 0xFF);
        byte[] data = new byte[len - MIN_BODY];
        System.arraycopy(b, off + 8 + MIN_BODY, data, 0, data.length);
        return new Entry(index, term, type, data);
    }

    private static EntryType typeOf(int code) {
        for (EntryType t : EntryType.values()) {
            if (t.code() == code) {
                return t;
            }
        }
        return null;
    }

    static long crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return c.getValue();
    }
}
