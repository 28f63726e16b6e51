package io.tally.storage.snapshot;

import io.tally.raft.core.Configuration;
import io.tally.raft.core.ConfigurationCodec;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.storage.StorageCorruptionException;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The {@code meta} file of a snapshot directory. Layout (big-endian):
 * <pre>
 * u8  version (=1)
 * u64 lastIndex
 * u64 lastTerm
 * u32 configLength, then configLength bytes of {@link ConfigurationCodec}
 * u64 dataSize          (bytes in the data file)
 * u32 dataCrc           (CRC32C of the data file)
 * u32 metaCrc           (CRC32C of every preceding byte of this file)
 * </pre>
 */
final class SnapshotMetaFormat {

    static final int VERSION = 1;
    /** A meta file longer than this is not read (the configuration codec allows at most 10,000 members). */
    static final int MAX_META_BYTES = 64 << 20;
    private static final int FIXED_BYTES = 1 + 8 + 8 + 4 + 8 + 4 + 4;

    private SnapshotMetaFormat() {
    }

    /** A decoded meta file: the snapshot's metadata (with its size) and the CRC32C its data must have. */
    record Decoded(SnapshotMeta meta, int dataCrc) {
    }

    static byte[] encode(SnapshotMeta meta, long dataSize, int dataCrc) {
        byte[] config = ConfigurationCodec.encode(meta.configuration());
        ByteBuffer buf = ByteBuffer.allocate(FIXED_BYTES + config.length);
        buf.put((byte) VERSION);
        buf.putLong(meta.lastIndex());
        buf.putLong(meta.lastTerm());
        buf.putInt(config.length);
        buf.put(config);
        buf.putLong(dataSize);
        buf.putInt(dataCrc);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    static Decoded decode(Path file, byte[] bytes) throws StorageCorruptionException {
        if (bytes.length == 0) {
            throw new StorageCorruptionException(file, "file is empty");
        }
        int version = bytes[0] & 0xFF;
        if (version != VERSION) {
            throw new StorageCorruptionException(file, "unsupported format version " + version
                    + " (expected " + VERSION + ")");
        }
        if (bytes.length < FIXED_BYTES) {
            throw new StorageCorruptionException(file, "truncated: " + bytes.length + " bytes, the minimum is "
                    + FIXED_BYTES);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        buf.position(1);
        long lastIndex = buf.getLong();
        long lastTerm = buf.getLong();
        long configLength = buf.getInt() & 0xFFFFFFFFL;
        long expected = FIXED_BYTES + configLength;
        if (bytes.length < expected) {
            throw new StorageCorruptionException(file, "truncated: " + bytes.length
                    + " bytes, the configuration length " + configLength + " needs " + expected);
        }
        if (bytes.length > expected) {
            throw new StorageCorruptionException(file, (bytes.length - expected) + " trailing bytes after the "
                    + expected + "-byte record");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new StorageCorruptionException(file, String.format("checksum mismatch (stored %08x, computed %08x)",
                    stored, (int) crc.getValue()));
        }
        byte[] config = new byte[(int) configLength];
        buf.get(config);
        long dataSize = buf.getLong();
        int dataCrc = buf.getInt();
        if (lastIndex < 0 || lastTerm < 0 || dataSize < 0) {
            throw new StorageCorruptionException(file, "negative field (lastIndex " + lastIndex + ", lastTerm "
                    + lastTerm + ", dataSize " + dataSize + ")");
        }
        Configuration configuration;
        try {
            configuration = ConfigurationCodec.decode(config);
        } catch (IllegalArgumentException e) {
            throw new StorageCorruptionException(file, "bad configuration: " + e.getMessage(), e);
        }
        return new Decoded(new SnapshotMeta(lastIndex, lastTerm, configuration, dataSize), dataCrc);
    }
}
