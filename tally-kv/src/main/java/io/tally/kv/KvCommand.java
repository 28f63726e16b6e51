package io.tally.kv;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A write to the key/value store as it travels through the Raft log.
 *
 * <p>Binary form (big-endian): {@code u8 version (1), u8 op, i64 stampMillis, str clientId, i64 seq,
 * str key, i64 expectedVersion, i32 valueLength, value}, where {@code str} is a u16 length and UTF-8.
 *
 * @param op              what to do
 * @param stampMillis     the proposing leader's clock when it proposed; sessions expire by these stamps,
 *                        which are in the log, so every replica expires the same sessions at the same entry
 * @param clientId        the client session, or empty for a write without exactly-once protection
 * @param seq             the client's request number in its session (ignored without a session)
 * @param key             1 to {@link #MAX_KEY_BYTES} bytes of UTF-8
 * @param expectedVersion for PUT and DELETE: {@link #ANY_VERSION}, 0 (the key must not exist) or the version
 *                        the key must have
 * @param value           the value (PUT) or the bytes to append (APPEND); empty for DELETE
 */
public record KvCommand(Op op, long stampMillis, String clientId, long seq, String key, long expectedVersion,
                        byte[] value) {

    public static final int VERSION = 1;
    public static final int MAX_KEY_BYTES = 4096;
    public static final long ANY_VERSION = -1;

    /**
     * Code 4 is retired: it was the member directory (member HTTP addresses now live in the Raft configuration's
     * member metadata).
     */
    public enum Op {
        PUT(1), DELETE(2), APPEND(3);

        final int code;

        Op(int code) {
            this.code = code;
        }

        static Op of(int code) {
            for (Op o : values()) {
                if (o.code == code) {
                    return o;
                }
            }
            throw new IllegalArgumentException("unknown operation code " + code);
        }
    }

    public KvCommand {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(key, "key");
        value = value == null ? new byte[0] : value;
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes == 0 || keyBytes > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key must be 1.." + MAX_KEY_BYTES + " bytes of UTF-8, was " + keyBytes);
        }
        if (clientId.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("client id must be at most 255 bytes");
        }
        if (expectedVersion < ANY_VERSION || (op == Op.APPEND && expectedVersion != ANY_VERSION)) {
            throw new IllegalArgumentException("invalid expected version " + expectedVersion + " for " + op);
        }
        if (!clientId.isEmpty() && seq < 1) {
            throw new IllegalArgumentException("a session's sequence numbers start at 1");
        }
    }

    public static KvCommand put(String key, byte[] value) {
        return new KvCommand(Op.PUT, 0, "", 0, key, ANY_VERSION, value);
    }

    public static KvCommand append(String key, byte[] value) {
        return new KvCommand(Op.APPEND, 0, "", 0, key, ANY_VERSION, value);
    }

    public static KvCommand delete(String key) {
        return new KvCommand(Op.DELETE, 0, "", 0, key, ANY_VERSION, null);
    }

    public KvCommand withSession(String client, long sequence) {
        return new KvCommand(op, stampMillis, client, sequence, key, expectedVersion, value);
    }

    public KvCommand withExpectedVersion(long version) {
        return new KvCommand(op, stampMillis, clientId, seq, key, version, value);
    }

    public KvCommand withStamp(long millis) {
        return new KvCommand(op, millis, clientId, seq, key, expectedVersion, value);
    }

    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + key.length() + value.length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeByte(op.code);
            out.writeLong(stampMillis);
            writeString(out, clientId);
            out.writeLong(seq);
            writeString(out, key);
            out.writeLong(expectedVersion);
            out.writeInt(value.length);
            out.write(value);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException if the bytes are not a command of this version */
    public static KvCommand decode(byte[] data) {
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            int version = b.get() & 0xff;
            if (version != VERSION) {
                throw new IllegalArgumentException("unsupported command version " + version);
            }
            Op op = Op.of(b.get() & 0xff);
            long stamp = b.getLong();
            String client = readString(b);
            long seq = b.getLong();
            String key = readString(b);
            long expected = b.getLong();
            int n = b.getInt();
            if (n < 0 || n != b.remaining()) {
                throw new IllegalArgumentException("value length " + n + " does not match the " + b.remaining() + " bytes left");
            }
            byte[] value = new byte[n];
            b.get(value);
            return new KvCommand(op, stamp, client, seq, key, expected, value);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated command", e);
        }
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(b.length);
        out.write(b);
    }

    static String readString(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvCommand c && c.op == op && c.stampMillis == stampMillis && c.clientId.equals(clientId)
                && c.seq == seq && c.key.equals(key) && c.expectedVersion == expectedVersion && Arrays.equals(c.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, stampMillis, clientId, seq, key, expectedVersion) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return op + " " + key + (expectedVersion == ANY_VERSION ? "" : " cas=" + expectedVersion) + " ("
                + value.length + " B" + (clientId.isEmpty() ? "" : ", " + clientId + "#" + seq) + ")";
    }
}
