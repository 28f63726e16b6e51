package io.tally.kv;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a {@link KvCommand} in the Raft log (big-endian; {@code str} is a u16 length and UTF-8,
 * {@code bytes} an i32 length and the bytes).
 *
 * <p>Version 3, written now: {@code u8 3, i64 stampMillis, i64 session, i64 seq, u8 kind, body}, where the body is
 * <pre>
 *   PUT (1)           str key, i64 expectedVersion, i64 lease, bytes value
 *   DELETE (2)        str key, i64 expectedVersion
 *   APPEND (3)        str key, bytes value
 *   REGISTER (5)      (nothing)
 *   DELETE_PREFIX (6) str prefix
 *   TXN (7)           u16 n, n × compare, u16 n, n × op (success), u16 n, n × op (failure)
 *                       compare: u8 1 (version) str key i64 version | u8 2 (value) str key bytes value
 *                                | u8 3 (exists) str key u8 bool
 *                       op:      u8 1 (put) str key i64 lease bytes value | u8 2 (get) str key
 *                                | u8 3 (delete) str key | u8 4 (delete-prefix) str prefix
 *   GRANT_LEASE (8)   i64 ttlMillis
 *   REVOKE_LEASE (9)  i64 id, u8 expired
 * </pre>
 * The body must end the entry exactly. Code 4 is retired (the member directory; see {@link LegacyCommand}).
 *
 * <p>Version 4, written for a command made by a user (authentication on) or for a change of the access model, and only
 * then, so that a cluster that uses neither writes exactly what older versions read: {@code u8 4, i64 stampMillis,
 * i64 session, i64 seq, str user, u8 kind, body}, with the kinds of version 3 and
 * <pre>
 *   AUTH_ENABLE (10)     bytes signingKey
 *   AUTH_DISABLE (11)    (nothing)
 *   USER_ADD (12)        str name, hash          hash: i32 iterations, bytes salt, bytes hash (PBKDF2-HMAC-SHA-256)
 *   USER_DELETE (13)     str name
 *   USER_PASSWORD (14)   str name, hash
 *   USER_ROLE (15)       str name, str role, u8 grant
 *   ROLE_CHANGE (16)     str name, u8 add
 *   ROLE_PERMISSION (17) str role, str prefix, u8 read, u8 write, u8 grant
 * </pre>
 *
 * <p>Version 2, read only (written before transactions and leases): {@code u8 2, u8 op, i64 stampMillis, i64 session,
 * i64 seq, str key, i64 expectedVersion, bytes value} for PUT, DELETE, APPEND and REGISTER. Version 1 is
 * {@link LegacyCommand}'s.
 */
final class KvCodec {

    static final int VERSION = 3;
    static final int VERSION_4 = 4;
    static final int VERSION_2 = 2;

    private static final int PUT = 1, DELETE = 2, APPEND = 3, REGISTER = 5, DELETE_PREFIX = 6, TXN = 7,
            GRANT_LEASE = 8, REVOKE_LEASE = 9, AUTH_ENABLE = 10, AUTH_DISABLE = 11, USER_ADD = 12, USER_DELETE = 13,
            USER_PASSWORD = 14, USER_ROLE = 15, ROLE_CHANGE = 16, ROLE_PERMISSION = 17;

    private KvCodec() {
    }

    /** The format version of an encoded command (its first byte), or -1 for no bytes. */
    static int versionOf(byte[] data) {
        return data.length == 0 ? -1 : data[0] & 0xff;
    }

    static byte[] encode(KvCommand c) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bytes);
            KvRequest r = c.request();
            boolean v4 = !c.user().isEmpty() || r instanceof KvRequest.AuthChange;
            out.writeByte(v4 ? VERSION_4 : VERSION);
            out.writeLong(c.stampMillis());
            out.writeLong(c.session());
            out.writeLong(c.seq());
            if (v4) {
                writeString(out, c.user());
            }
            if (r instanceof KvRequest.Put p) {
                out.writeByte(PUT);
                writeString(out, p.key());
                out.writeLong(p.expectedVersion());
                out.writeLong(p.lease());
                writeBytes(out, p.value());
            } else if (r instanceof KvRequest.Delete d) {
                out.writeByte(DELETE);
                writeString(out, d.key());
                out.writeLong(d.expectedVersion());
            } else if (r instanceof KvRequest.Append a) {
                out.writeByte(APPEND);
                writeString(out, a.key());
                writeBytes(out, a.value());
            } else if (r instanceof KvRequest.Register) {
                out.writeByte(REGISTER);
            } else if (r instanceof KvRequest.DeletePrefix d) {
                out.writeByte(DELETE_PREFIX);
                writeString(out, d.prefix());
            } else if (r instanceof KvRequest.Txn t) {
                out.writeByte(TXN);
                out.writeShort(t.compare().size());
                for (Compare cmp : t.compare()) {
                    writeCompare(out, cmp);
                }
                writeOps(out, t.success());
                writeOps(out, t.failure());
            } else if (r instanceof KvRequest.GrantLease g) {
                out.writeByte(GRANT_LEASE);
                out.writeLong(g.ttlMillis());
            } else if (r instanceof KvRequest.RevokeLease v) {
                out.writeByte(REVOKE_LEASE);
                out.writeLong(v.id());
                out.writeBoolean(v.expired());
            } else if (r instanceof KvRequest.AuthChange a) {
                writeAuth(out, a);
            } else {
                throw new IllegalStateException("no encoding for " + r);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAuth(DataOutputStream out, KvRequest.AuthChange a) throws IOException {
        if (a instanceof KvRequest.AuthEnable e) {
            out.writeByte(AUTH_ENABLE);
            writeBytes(out, e.signingKey());
        } else if (a instanceof KvRequest.AuthDisable) {
            out.writeByte(AUTH_DISABLE);
        } else if (a instanceof KvRequest.UserAdd u) {
            out.writeByte(USER_ADD);
            writeString(out, u.name());
            writeHash(out, u.password());
        } else if (a instanceof KvRequest.UserDelete u) {
            out.writeByte(USER_DELETE);
            writeString(out, u.name());
        } else if (a instanceof KvRequest.UserPassword u) {
            out.writeByte(USER_PASSWORD);
            writeString(out, u.name());
            writeHash(out, u.password());
        } else if (a instanceof KvRequest.UserRole u) {
            out.writeByte(USER_ROLE);
            writeString(out, u.name());
            writeString(out, u.role());
            out.writeBoolean(u.grant());
        } else if (a instanceof KvRequest.RoleChange r) {
            out.writeByte(ROLE_CHANGE);
            writeString(out, r.name());
            out.writeBoolean(r.add());
        } else if (a instanceof KvRequest.RolePermission r) {
            out.writeByte(ROLE_PERMISSION);
            writeString(out, r.role());
            writeString(out, r.permission().prefix());
            out.writeBoolean(r.permission().read());
            out.writeBoolean(r.permission().write());
            out.writeBoolean(r.grant());
        } else {
            throw new IllegalStateException("no encoding for " + a);
        }
    }

    static void writeHash(DataOutputStream out, io.tally.kv.auth.PasswordHash h) throws IOException {
        out.writeInt(h.iterations());
        writeBytes(out, h.salt());
        writeBytes(out, h.hash());
    }

    static io.tally.kv.auth.PasswordHash readHash(ByteBuffer b) {
        int iterations = b.getInt();
        byte[] salt = readBytes(b);
        return new io.tally.kv.auth.PasswordHash(iterations, salt, readBytes(b));
    }

    private static void writeCompare(DataOutputStream out, Compare c) throws IOException {
        if (c instanceof Compare.VersionIs v) {
            out.writeByte(1);
            writeString(out, v.key());
            out.writeLong(v.version());
        } else if (c instanceof Compare.ValueIs v) {
            out.writeByte(2);
            writeString(out, v.key());
            writeBytes(out, v.value());
        } else if (c instanceof Compare.Exists e) {
            out.writeByte(3);
            writeString(out, e.key());
            out.writeBoolean(e.exists());
        }
    }

    private static void writeOps(DataOutputStream out, List<TxnOp> ops) throws IOException {
        out.writeShort(ops.size());
        for (TxnOp op : ops) {
            if (op instanceof TxnOp.Put p) {
                out.writeByte(1);
                writeString(out, p.key());
                out.writeLong(p.lease());
                writeBytes(out, p.value());
            } else if (op instanceof TxnOp.Get g) {
                out.writeByte(2);
                writeString(out, g.key());
            } else if (op instanceof TxnOp.Delete d) {
                out.writeByte(3);
                writeString(out, d.key());
            } else if (op instanceof TxnOp.DeletePrefix d) {
                out.writeByte(4);
                writeString(out, d.prefix());
            }
        }
    }

    /** @throws IllegalArgumentException if the bytes are not a version-4, -3 or -2 command */
    static KvCommand decode(byte[] data) {
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            int version = b.get() & 0xff;
            KvCommand c;
            if (version == VERSION) {
                c = decode3(b, false);
            } else if (version == VERSION_4) {
                c = decode3(b, true);
            } else if (version == VERSION_2) {
                c = decode2(b);
            } else {
                throw new IllegalArgumentException("unsupported command version " + version);
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the end of the command");
            }
            return c;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated command", e);
        }
    }

    /** Versions 3 and 4 ({@code v4}: with the user, and the kinds that change the access model). */
    private static KvCommand decode3(ByteBuffer b, boolean v4) {
        long stamp = b.getLong();
        long session = b.getLong();
        long seq = b.getLong();
        String user = v4 ? readString(b) : "";
        int kind = b.get() & 0xff;
        if (kind >= AUTH_ENABLE && v4) {
            return new KvCommand(stamp, session, seq, readAuth(kind, b), user);
        }
        KvRequest r = switch (kind) {
            case PUT -> {
                String key = readString(b);
                long expected = b.getLong();
                long lease = b.getLong();
                yield new KvRequest.Put(key, readBytes(b), expected, lease);
            }
            case DELETE -> new KvRequest.Delete(readString(b), b.getLong());
            case APPEND -> new KvRequest.Append(readString(b), readBytes(b));
            case REGISTER -> new KvRequest.Register();
            case DELETE_PREFIX -> new KvRequest.DeletePrefix(readString(b));
            case TXN -> {
                int n = b.getShort() & 0xffff;
                List<Compare> compares = new ArrayList<>(Math.min(n, KvRequest.MAX_TXN_OPS + 1));
                for (int i = 0; i < n; i++) {
                    compares.add(readCompare(b));
                }
                List<TxnOp> success = readOps(b);
                yield new KvRequest.Txn(compares, success, readOps(b));
            }
            case GRANT_LEASE -> new KvRequest.GrantLease(b.getLong());
            case REVOKE_LEASE -> new KvRequest.RevokeLease(b.getLong(), readBool(b));
            default -> throw new IllegalArgumentException("unknown request kind " + kind);
        };
        return new KvCommand(stamp, session, seq, r, user);
    }

    private static KvRequest.AuthChange readAuth(int kind, ByteBuffer b) {
        return switch (kind) {
            case AUTH_ENABLE -> new KvRequest.AuthEnable(readBytes(b));
            case AUTH_DISABLE -> new KvRequest.AuthDisable();
            case USER_ADD -> new KvRequest.UserAdd(readString(b), readHash(b));
            case USER_DELETE -> new KvRequest.UserDelete(readString(b));
            case USER_PASSWORD -> new KvRequest.UserPassword(readString(b), readHash(b));
            case USER_ROLE -> new KvRequest.UserRole(readString(b), readString(b), readBool(b));
            case ROLE_CHANGE -> new KvRequest.RoleChange(readString(b), readBool(b));
            case ROLE_PERMISSION -> {
                String role = readString(b);
                String prefix = readString(b);
                boolean read = readBool(b);
                boolean write = readBool(b);
                yield new KvRequest.RolePermission(role, new io.tally.kv.auth.Permission(prefix, read, write), readBool(b));
            }
            default -> throw new IllegalArgumentException("unknown request kind " + kind);
        };
    }

    private static Compare readCompare(ByteBuffer b) {
        int kind = b.get() & 0xff;
        return switch (kind) {
            case 1 -> new Compare.VersionIs(readString(b), b.getLong());
            case 2 -> new Compare.ValueIs(readString(b), readBytes(b));
            case 3 -> new Compare.Exists(readString(b), readBool(b));
            default -> throw new IllegalArgumentException("unknown comparison kind " + kind);
        };
    }

    private static List<TxnOp> readOps(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        List<TxnOp> ops = new ArrayList<>(Math.min(n, KvRequest.MAX_TXN_OPS + 1));
        for (int i = 0; i < n; i++) {
            int kind = b.get() & 0xff;
            ops.add(switch (kind) {
                case 1 -> {
                    String key = readString(b);
                    long lease = b.getLong();
                    yield new TxnOp.Put(key, readBytes(b), lease);
                }
                case 2 -> new TxnOp.Get(readString(b));
                case 3 -> new TxnOp.Delete(readString(b));
                case 4 -> new TxnOp.DeletePrefix(readString(b));
                default -> throw new IllegalArgumentException("unknown transaction operation kind " + kind);
            });
        }
        return ops;
    }

    /** Version 2: the operation code came first, and every command carried a key, a condition and a value. */
    private static KvCommand decode2(ByteBuffer b) {
        int op = b.get() & 0xff;
        long stamp = b.getLong();
        long session = b.getLong();
        long seq = b.getLong();
        String key = readString(b);
        long expected = b.getLong();
        byte[] value = readBytes(b);
        KvRequest r = switch (op) {
            case PUT -> new KvRequest.Put(key, value, expected, 0);
            case DELETE -> new KvRequest.Delete(key, expected);
            case APPEND -> new KvRequest.Append(key, value);
            case REGISTER -> new KvRequest.Register();
            default -> throw new IllegalArgumentException("unknown operation code " + op);
        };
        return new KvCommand(stamp, session, seq, r);
    }

    // ------------------------------------------------------------------ primitives (shared with the snapshot format)

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xffff) {
            throw new IllegalArgumentException("a string of " + b.length + " bytes does not fit a u16 length");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    static byte[] readBytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("a value of " + n + " bytes, with " + b.remaining() + " bytes left");
        }
        byte[] value = new byte[n];
        b.get(value);
        return value;
    }

    private static boolean readBool(ByteBuffer b) {
        int v = b.get() & 0xff;
        if (v > 1) {
            throw new IllegalArgumentException("a boolean byte of " + v);
        }
        return v == 1;
    }
}
