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
record LegacyCommand(long stampMillis, String clientId, long seq, KvCommand write) {

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
            String client = KvCommand.readString(b);
            long seq = b.getLong();
            String key = KvCommand.readString(b);
            long expected = b.getLong();
            byte[] value = KvCommand.readValue(b);
            if (!client.isEmpty() && seq < 1) {
                throw new IllegalArgumentException("a session's sequence numbers start at 1");
            }
            if (code == MEMBER) {
                return new LegacyCommand(stamp, "", 0, null);
            }
            KvCommand.Op op = KvCommand.Op.of(code);
            if (op == KvCommand.Op.REGISTER) {
                throw new IllegalArgumentException("version 1 has no session registration");
            }
            return new LegacyCommand(stamp, client, seq, new KvCommand(op, stamp, 0, 0, key, expected, value));
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated command", e);
        }
    }
}
