package io.tally.storage.snapshot;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.storage.SealedRecord;
import io.tally.storage.StorageCorruptionException;

import java.nio.ByteBuffer;
import java.nio.file.Path;

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
        return SealedRecord.seal(buf);
    }

    static Decoded decode(Path file, byte[] bytes) throws StorageCorruptionException {
        SealedRecord.checkHeader(file, bytes, VERSION, FIXED_BYTES);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        buf.position(1);
        long lastIndex = buf.getLong();
        long lastTerm = buf.getLong();
        long configLength = buf.getInt() & 0xFFFFFFFFL;
        SealedRecord.checkLengthAndChecksum(file, bytes, FIXED_BYTES + configLength, "the configuration length " + configLength);
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
