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
 * <p>Binary form, version 2 (big-endian): {@code u8 version (2), u8 op, i64 stampMillis, i64 session, i64 seq,
 * str key, i64 expectedVersion, i32 valueLength, value}, where {@code str} is a u16 length and UTF-8. Entries of
 * version 1 (client-chosen string session ids, written before sessions were registered) are decoded by
 * {@link LegacyCommand} and replayed with the rules they were written under.
 *
 * @param op              what to do
 * @param stampMillis     the cluster clock when the leader proposed it ({@link ClusterClock}); sessions expire
 *                        by these stamps, which are in the log, so every replica expires the same sessions at the
 *                        same entry
 * @param session         the client session (the Raft index of its {@link Op#REGISTER} entry), or 0 for a write
 *                        without exactly-once protection
 * @param seq             the client's request number in its session (0 without a session)
 * @param key             1 to {@link #MAX_KEY_BYTES} bytes of UTF-8; empty for {@link Op#REGISTER}
 * @param expectedVersion for PUT and DELETE: {@link #ANY_VERSION}, 0 (the key must not exist) or the version
 *                        the key must have
 * @param value           the value (PUT) or the bytes to append (APPEND); empty for DELETE and REGISTER
 */
public record KvCommand(Op op, long stampMillis, long session, long seq, String key, long expectedVersion,
                        byte[] value) {

    public static final int VERSION = 2;
    public static final int MAX_KEY_BYTES = 4096;
    public static final long ANY_VERSION = -1;

    /**
     * Code 4 is retired: it was the member directory (member HTTP addresses now live in the Raft configuration's
     * member metadata). A version-1 entry with code 4 is replayed as a clock tick only ({@link LegacyCommand}).
     */
    public enum Op {
        PUT(1), DELETE(2), APPEND(3),
        /**
         * Opens a client session (Raft thesis §6.3, RegisterClient). Its id is the Raft index of this entry, so the
         * log, not the client, chooses it and no two sessions ever share one.
         */
        REGISTER(5);

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
        Objects.requireNonNull(key, "key");
        value = value == null ? new byte[0] : value;
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (op == Op.REGISTER) {
            if (keyBytes != 0 || value.length != 0 || session != 0 || seq != 0 || expectedVersion != ANY_VERSION) {
                throw new IllegalArgumentException("a session registration carries no key, value, session or condition");
            }
        } else if (keyBytes == 0 || keyBytes > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key must be 1.." + MAX_KEY_BYTES + " bytes of UTF-8, was " + keyBytes);
        }
        if (expectedVersion < ANY_VERSION || (op == Op.APPEND && expectedVersion != ANY_VERSION)) {
            throw new IllegalArgumentException("invalid expected version " + expectedVersion + " for " + op);
        }
        if (session < 0) {
            throw new IllegalArgumentException("a session id is positive, not " + session);
        }
        if (session > 0 ? seq < 1 : seq != 0) {
            throw new IllegalArgumentException(session > 0 ? "a session's sequence numbers start at 1"
                    : "a sequence number needs a session");
        }
    }

    public static KvCommand put(String key, byte[] value) {
        return new KvCommand(Op.PUT, 0, 0, 0, key, ANY_VERSION, value);
    }

    public static KvCommand append(String key, byte[] value) {
        return new KvCommand(Op.APPEND, 0, 0, 0, key, ANY_VERSION, value);
    }

    public static KvCommand delete(String key) {
        return new KvCommand(Op.DELETE, 0, 0, 0, key, ANY_VERSION, null);
    }

    /** Opens a session; its result's {@link KvResult#version()} is the new session's id. */
    public static KvCommand register() {
        return new KvCommand(Op.REGISTER, 0, 0, 0, "", ANY_VERSION, null);
    }

    public KvCommand withSession(long sessionId, long sequence) {
        return new KvCommand(op, stampMillis, sessionId, sequence, key, expectedVersion, value);
    }

    public KvCommand withExpectedVersion(long version) {
        return new KvCommand(op, stampMillis, session, seq, key, version, value);
    }

    public KvCommand withStamp(long millis) {
        return new KvCommand(op, millis, session, seq, key, expectedVersion, value);
    }

    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + key.length() + value.length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeByte(op.code);
            out.writeLong(stampMillis);
            out.writeLong(session);
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

    /** The format version of an encoded command (its first byte), or -1 for no bytes. */
    static int versionOf(byte[] data) {
        return data.length == 0 ? -1 : data[0] & 0xff;
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
            long session = b.getLong();
            long seq = b.getLong();
            String key = readString(b);
            long expected = b.getLong();
            return new KvCommand(op, stamp, session, seq, key, expected, readValue(b));
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated command", e);
        }
    }

    /** The trailing {@code i32 length, bytes}, which must end the buffer exactly. */
    static byte[] readValue(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n != b.remaining()) {
            throw new IllegalArgumentException("value length " + n + " does not match the " + b.remaining() + " bytes left");
        }
        byte[] value = new byte[n];
        b.get(value);
        return value;
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
        return o instanceof KvCommand c && c.op == op && c.stampMillis == stampMillis && c.session == session
                && c.seq == seq && c.key.equals(key) && c.expectedVersion == expectedVersion && Arrays.equals(c.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, stampMillis, session, seq, key, expectedVersion) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        if (op == Op.REGISTER) {
            return "REGISTER";
        }
        return op + " " + key + (expectedVersion == ANY_VERSION ? "" : " cas=" + expectedVersion) + " ("
                + value.length + " B" + (session == 0 ? "" : ", session " + session + "#" + seq) + ")";
    }
}
