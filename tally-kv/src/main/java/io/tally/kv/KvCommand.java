package io.tally.kv;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A write to the key/value store as it travels through the Raft log: a {@link KvRequest} and the envelope every
 * write shares. Its binary form is {@link KvCodec}'s.
 *
 * @param stampMillis the cluster clock when the leader proposed it ({@link ClusterClock}); sessions expire by these
 *                    stamps, which are in the log, so every replica expires the same sessions at the same entry
 * @param session     the client session (the revision of its {@link KvRequest.Register} entry), or 0 for a write
 *                    without exactly-once protection
 * @param seq         the client's request number in its session (0 without a session)
 * @param request     what to do
 * @param user        the user the proposing leader authenticated the request as, or "" when authentication was off
 *                    (and for the leader's own commands, such as a lease's expiry); the state machine checks the
 *                    user's permissions again when it applies the command, so a refusal applies nothing
 */
public record KvCommand(long stampMillis, long session, long seq, KvRequest request, String user) {

    public static final int MAX_KEY_BYTES = KvRequest.MAX_KEY_BYTES;
    public static final long ANY_VERSION = KvRequest.ANY_VERSION;

    public KvCommand(long stampMillis, long session, long seq, KvRequest request) {
        this(stampMillis, session, seq, request, "");
    }

    public KvCommand {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(user, "user");
        if (!user.isEmpty() && !io.tally.kv.auth.Names.valid(user)) {
            throw new IllegalArgumentException("not a user name: '" + user + "'");
        }
        if (session < 0) {
            throw new IllegalArgumentException("a session id is positive, not " + session);
        }
        if (session > 0 ? seq < 1 : seq != 0) {
            throw new IllegalArgumentException(session > 0 ? "a session's sequence numbers start at 1"
                    : "a sequence number needs a session");
        }
        if (session > 0 && request instanceof KvRequest.Register) {
            throw new IllegalArgumentException("a session registration carries no session");
        }
    }

    private static KvCommand of(KvRequest request) {
        return new KvCommand(0, 0, 0, request);
    }

    public static KvCommand put(String key, byte[] value) {
        return of(new KvRequest.Put(key, value, ANY_VERSION, 0));
    }

    public static KvCommand append(String key, byte[] value) {
        return of(new KvRequest.Append(key, value));
    }

    public static KvCommand delete(String key) {
        return of(new KvRequest.Delete(key, ANY_VERSION));
    }

    /** Deletes every key under {@code prefix} at one revision; the result's {@link KvResult#count()} says how many. */
    public static KvCommand deletePrefix(String prefix) {
        return of(new KvRequest.DeletePrefix(prefix));
    }

    public static KvCommand txn(List<Compare> compare, List<TxnOp> success, List<TxnOp> failure) {
        return of(new KvRequest.Txn(compare, success, failure));
    }

    /** Opens a session; its id is the result's {@link KvResult#revision()}. */
    public static KvCommand register() {
        return of(new KvRequest.Register());
    }

    /** Grants a lease of {@code ttlMillis}; its id is the result's {@link KvResult#revision()}. */
    public static KvCommand grantLease(long ttlMillis) {
        return of(new KvRequest.GrantLease(ttlMillis));
    }

    public static KvCommand revokeLease(long id) {
        return of(new KvRequest.RevokeLease(id, false));
    }

    /** The leader's decision that lease {@code id} expired ({@link Lessor}). */
    static KvCommand expireLease(long id) {
        return of(new KvRequest.RevokeLease(id, true));
    }

    public KvCommand withSession(long sessionId, long sequence) {
        return new KvCommand(stampMillis, sessionId, sequence, request, user);
    }

    /** This command as made by {@code name} (authenticated by the leader that proposes it). */
    public KvCommand withUser(String name) {
        return new KvCommand(stampMillis, session, seq, request, name);
    }

    /** A change of the access model ({@link KvRequest.AuthChange}). */
    public static KvCommand auth(KvRequest.AuthChange change) {
        return of(change);
    }

    /** A put or delete that applies only if the key has {@code version} (0: the key must not exist). */
    public KvCommand withExpectedVersion(long version) {
        KvRequest changed;
        if (request instanceof KvRequest.Put p) {
            changed = new KvRequest.Put(p.key(), p.value(), version, p.lease());
        } else if (request instanceof KvRequest.Delete d) {
            changed = new KvRequest.Delete(d.key(), version);
        } else {
            throw new IllegalArgumentException("only a put or a delete takes an expected version, not " + this);
        }
        return new KvCommand(stampMillis, session, seq, changed, user);
    }

    /** A put whose key is attached to lease {@code id}. */
    public KvCommand withLease(long id) {
        if (!(request instanceof KvRequest.Put p)) {
            throw new IllegalArgumentException("only a put attaches a key to a lease, not " + this);
        }
        return new KvCommand(stampMillis, session, seq, new KvRequest.Put(p.key(), p.value(), p.expectedVersion(), id), user);
    }

    public KvCommand withStamp(long millis) {
        return new KvCommand(millis, session, seq, request, user);
    }

    public byte[] encode() {
        return KvCodec.encode(this);
    }

    /** @throws IllegalArgumentException if the bytes are not a command this version can read */
    public static KvCommand decode(byte[] data) {
        return KvCodec.decode(data);
    }

    /** Equal when their encodings are (the encoding is canonical; requests hold arrays). */
    @Override
    public boolean equals(Object o) {
        return o instanceof KvCommand c && Arrays.equals(encode(), c.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        String what = describe(request) + (user.isEmpty() ? "" : " by " + user);
        return session == 0 ? what : what + " (session " + session + "#" + seq + ")";
    }

    private static String describeAuth(KvRequest.AuthChange a) {
        if (a instanceof KvRequest.UserAdd u) {
            return " " + u.name();
        } else if (a instanceof KvRequest.UserDelete u) {
            return " " + u.name();
        } else if (a instanceof KvRequest.UserPassword u) {
            return " " + u.name();
        } else if (a instanceof KvRequest.UserRole u) {
            return " " + u.name() + (u.grant() ? " +" : " -") + u.role();
        } else if (a instanceof KvRequest.RoleChange r) {
            return (r.add() ? " +" : " -") + r.name();
        } else if (a instanceof KvRequest.RolePermission r) {
            return " " + r.role() + (r.grant() ? " +" : " -") + r.permission();
        }
        return "";
    }

    private static String describe(KvRequest request) {
        if (request instanceof KvRequest.Put p) {
            return "PUT " + p.key() + (p.expectedVersion() == ANY_VERSION ? "" : " cas=" + p.expectedVersion())
                    + (p.lease() == 0 ? "" : " lease=" + p.lease()) + " (" + p.value().length + " B)";
        } else if (request instanceof KvRequest.Append a) {
            return "APPEND " + a.key() + " (" + a.value().length + " B)";
        } else if (request instanceof KvRequest.Delete d) {
            return "DELETE " + d.key() + (d.expectedVersion() == ANY_VERSION ? "" : " cas=" + d.expectedVersion());
        } else if (request instanceof KvRequest.DeletePrefix d) {
            return "DELETE-PREFIX '" + d.prefix() + "'";
        } else if (request instanceof KvRequest.Txn t) {
            return "TXN (" + t.compare().size() + " compares, " + t.success().size() + "/" + t.failure().size() + " ops)";
        } else if (request instanceof KvRequest.GrantLease g) {
            return "GRANT-LEASE " + g.ttlMillis() + " ms";
        } else if (request instanceof KvRequest.RevokeLease r) {
            return (r.expired() ? "EXPIRE-LEASE " : "REVOKE-LEASE ") + r.id();
        } else if (request instanceof KvRequest.AuthChange a) {
            return "AUTH " + a.getClass().getSimpleName() + describeAuth(a);
        }
        return "REGISTER";
    }
}
