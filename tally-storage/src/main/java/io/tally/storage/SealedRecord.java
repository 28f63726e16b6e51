package io.tally.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The small single-record files of the stores (the hard state, snapshot metadata): a version byte first, a
 * CRC-32C of everything before it last. Writing seals the record; reading checks version, exact length and
 * checksum, and names the file and the problem in a {@link StorageCorruptionException}.
 */
public final class SealedRecord {

    /** Bytes of the trailing checksum. */
    public static final int CRC_BYTES = 4;

    private SealedRecord() {
    }

    /** Writes the CRC-32C of everything before the buffer's position into its last four bytes; returns the record. */
    public static byte[] seal(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /** Refuses an empty record, another version, or fewer than {@code minBytes} bytes. */
    public static void checkHeader(Path file, byte[] bytes, int version, int minBytes) throws StorageCorruptionException {
        if (bytes.length == 0) {
            throw new StorageCorruptionException(file, "file is empty");
        }
        int v = bytes[0] & 0xFF;
        if (v != version) {
            throw new StorageCorruptionException(file, "unsupported format version " + v + " (expected " + version + ")");
        }
        if (bytes.length < minBytes) {
            throw new StorageCorruptionException(file, "truncated: " + bytes.length + " bytes, the minimum is " + minBytes);
        }
    }

    /**
     * Refuses a record whose length differs from {@code expected} (which {@code because} explains, e.g. "the
     * vote length 2"), then one whose checksum does not match.
     */
    public static void checkLengthAndChecksum(Path file, byte[] bytes, long expected, String because)
            throws StorageCorruptionException {
        if (bytes.length < expected) {
            throw new StorageCorruptionException(file, "truncated: " + bytes.length + " bytes, " + because + " needs " + expected);
        }
        if (bytes.length > expected) {
            throw new StorageCorruptionException(file, (bytes.length - expected) + " trailing bytes after the "
                    + expected + "-byte record");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - CRC_BYTES);
        int stored = ByteBuffer.wrap(bytes, bytes.length - CRC_BYTES, CRC_BYTES).getInt();
        if (stored != (int) crc.getValue()) {
            throw new StorageCorruptionException(file, String.format("checksum mismatch (stored %08x, computed %08x)",
                    stored, (int) crc.getValue()));
        }
    }
}
