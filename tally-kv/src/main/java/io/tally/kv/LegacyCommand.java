package io.tally.kv;

import java.nio.ByteBuffer;

/**
 * A version-1 log entry, written before sessions were registered: {@code u8 version (1), u8 op, i64 stampMillis,
 * str clientId, i64 seq, str key, i64 expectedVersion, i32 valueLength, value}. Nothing writes these any more, but
 * a data directory from before the upgrade may still hold them in its log after its newest snapshot, and a replica
 * must replay them exactly as they were first applied, or it would diverge from replicas whose snapshots already
 * cover them. So they keep their own rules ({@link SessionTable#applyLegacy}): client-chosen string ids, and a
 * session created implicitly by its first write.
 *
 * @param stampMillis the proposing leader's wall clock (version 1 stamped with it)
 * @param clientId    the client-chosen session id, or empty for a write without a session
 * @param seq         the request number in that session
 * @param write       the write itself, without a session; null for a retired member-directory entry (op code 4),
 *                    which is replayed as a clock tick only
 */
record LegacyCommand(long stampMillis, String clientId, long seq, KvRequest write) {

    static final int VERSION = 1;
    private static final int MEMBER = 4;

    /** @throws IllegalArgumentException if the bytes are not a version-1 command */
    static LegacyCommand decode(byte[] data) {
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            int version = b.get() & 0xff;
            if (version != VERSION) {
                throw new IllegalArgumentException("not a version-1 command: version " + version);
            }
            int code = b.get() & 0xff;
            long stamp = b.getLong();
            String client = KvCodec.readString(b);
            long seq = b.getLong();
            String key = KvCodec.readString(b);
            long expected = b.getLong();
            byte[] value = KvCodec.readBytes(b);
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the end of the command");
            }
            if (!client.isEmpty() && seq < 1) {
                throw new IllegalArgumentException("a session's sequence numbers start at 1");
            }
            KvRequest write = switch (code) {
                case MEMBER -> null;
                case 1 -> new KvRequest.Put(key, value, expected, 0);
                case 2 -> new KvRequest.Delete(key, expected);
                case 3 -> {
                    if (expected != KvRequest.ANY_VERSION) {
                        throw new IllegalArgumentException("an append takes no expected version");
                    }
                    yield new KvRequest.Append(key, value);
                }
                default -> throw new IllegalArgumentException("version 1 has no operation code " + code);
            };
            return write == null ? new LegacyCommand(stamp, "", 0, null) : new LegacyCommand(stamp, client, seq, write);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated command", e);
        }
    }
}
