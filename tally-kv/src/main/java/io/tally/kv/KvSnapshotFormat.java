package io.tally.kv;

import io.tally.kv.auth.AuthState;
import io.tally.kv.auth.PasswordHash;
import io.tally.kv.auth.Permission;
import io.tally.kv.auth.Role;
import io.tally.kv.auth.User;
import org.pcollections.PMap;
import org.pcollections.TreePMap;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key/value state machine's snapshot on disk (big-endian; {@code str} is a u16 length and UTF-8, {@code bytes}
 * an i32 length and the bytes).
 *
 * <p>TKV5, written now: TKV4 below, with each registered session's owner ({@code i64 id, str owner, session}) and the
 * access model after the events:
 * <pre>
 *   u8 enabled, i64 keyId, bytes signingKey,
 *   i32 userCount, userCount × (str name, i64 generation, i32 iterations, bytes salt, bytes hash,
 *                               u16 n, n × str role), in name order
 *   i32 roleCount, roleCount × (str name, u16 n, n × (str prefix, u8 read, u8 write)), in name order
 * </pre>
 *
 * <p>TKV4, read only:
 * <pre>
 *   i32 magic "TKV4", i64 revision, i64 logClock, i64 lastSweep,
 *   i32 keyCount,     keyCount × (str key, i64 version, i64 created, i64 lease, bytes value), in key order
 *   i32 leaseCount,   leaseCount × (i64 id, i64 ttlMillis)
 *   i32 sessionCount, sessionCount × (i64 id, session)
 *   i32 legacyCount,  legacyCount × (str clientId, session)
 *   i64 historyOldest,
 *   i32 eventCount,   eventCount × (i64 revision, u8 type (1 put, 2 delete), str key, i64 version, i64 lease,
 *                                   [bytes value: puts only]), in revision order
 *   where session = i64 lastSeq, i64 lastStamp, result
 *         result  = u8 status, i64 revision, i64 version, i64 count, u8 hasTxn,
 *                   [u8 succeeded, u16 n, n × (u8 1 str key i64 version | u8 2 str key u8 found [i64 version
 *                    i64 created i64 lease bytes value] | u8 3 str key i64 deleted | u8 4 str prefix i64 deleted)]
 * </pre>
 *
 * <p>Read only: TKV3 (before leases and the history: keys as {@code str key, i64 version, bytes value}, results as
 * {@code u8 status, i64 version, u8 deleted}) and TKV2 (string-keyed sessions and a member directory, which is
 * skipped). Their keys get {@code created = version} (the creating revision was not kept), and their history starts
 * at the snapshot's revision.
 */
final class KvSnapshotFormat {

    static final int TKV5 = 0x544b5635;
    static final int TKV4 = 0x544b5634;
    static final int TKV3 = 0x544b5633;
    static final int TKV2 = 0x544b5632;
    private static final int MAX_VALUE_BYTES = 256 << 20;

    private KvSnapshotFormat() {
    }

    /** What a snapshot holds. */
    record State(KvView view, SessionTable.Image sessions, long historyOldest, List<WatchEvent> events) {
    }

    static void write(OutputStream os, State s) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16));
        out.writeInt(TKV5);
        out.writeLong(s.view().revision());
        out.writeLong(s.sessions().now());
        out.writeLong(s.sessions().lastSweep());
        TreePMap<String, Versioned> data = s.view().data();
        out.writeInt(data.size());
        for (Map.Entry<String, Versioned> e : data.entrySet()) {
            KvCodec.writeString(out, e.getKey());
            writeVersioned(out, e.getValue());
        }
        List<Long> leaseIds = new ArrayList<>(s.view().leases().keySet());
        leaseIds.sort(null);
        out.writeInt(leaseIds.size());
        for (long id : leaseIds) {
            out.writeLong(id);
            out.writeLong(s.view().leases().get(id).ttlMillis());
        }
        out.writeInt(s.sessions().registered().size());
        for (Map.Entry<Long, Session> e : s.sessions().registered()) {
            out.writeLong(e.getKey());
            KvCodec.writeString(out, e.getValue().owner());
            writeSession(out, e.getValue());
        }
        out.writeInt(s.sessions().legacy().size());
        for (Map.Entry<String, Session> e : s.sessions().legacy()) {
            KvCodec.writeString(out, e.getKey());
            writeSession(out, e.getValue());
        }
        out.writeLong(s.historyOldest());
        out.writeInt(s.events().size());
        for (WatchEvent e : s.events()) {
            out.writeLong(e.revision());
            out.writeByte(e.type() == WatchEvent.Type.PUT ? 1 : 2);
            KvCodec.writeString(out, e.key());
            out.writeLong(e.version());
            out.writeLong(e.lease());
            if (e.type() == WatchEvent.Type.PUT) {
                KvCodec.writeBytes(out, e.value());
            }
        }
        writeAuth(out, s.view().auth());
        out.flush();
    }

    private static void writeAuth(DataOutputStream out, AuthState a) throws IOException {
        out.writeBoolean(a.enabled());
        out.writeLong(a.keyId());
        KvCodec.writeBytes(out, a.key());
        out.writeInt(a.users().size());
        for (User u : new TreeMap<>(a.users()).values()) {
            KvCodec.writeString(out, u.name());
            out.writeLong(u.generation());
            KvCodec.writeHash(out, u.password());
            out.writeShort(u.roles().size());
            for (String r : u.roles()) {
                KvCodec.writeString(out, r);
            }
        }
        out.writeInt(a.roles().size());
        for (Role r : new TreeMap<>(a.roles()).values()) {
            KvCodec.writeString(out, r.name());
            out.writeShort(r.permissions().size());
            for (Permission p : r.permissions()) {
                KvCodec.writeString(out, p.prefix());
                out.writeBoolean(p.read());
                out.writeBoolean(p.write());
            }
        }
    }

    private static AuthState readAuth(DataInputStream in, long revision) throws IOException {
        try {
            boolean enabled = in.readBoolean();
            long keyId = in.readLong();
            int keyLength = in.readInt();
            if (keyLength != 0 && keyLength != AuthState.KEY_BYTES || keyId > revision) {
                throw new IOException("snapshot signing key " + keyId + " of " + keyLength + " bytes is invalid");
            }
            byte[] key = new byte[keyLength];
            in.readFully(key);
            PMap<String, User> users = TreePMap.empty();
            int n = count(in, "users");
            for (int i = 0; i < n; i++) {
                String name = readString(in);
                long generation = in.readLong();
                int iterations = in.readInt();
                byte[] salt = readSmall(in, "salt");
                byte[] hash = readSmall(in, "hash");
                int roleCount = in.readUnsignedShort();
                java.util.Set<String> roles = new java.util.TreeSet<>();
                for (int j = 0; j < roleCount; j++) {
                    roles.add(readString(in));
                }
                if (users.containsKey(name) || generation > revision) {
                    throw new IOException("snapshot user '" + name + "' is repeated or from after the snapshot");
                }
                users = users.plus(name, new User(name, new PasswordHash(iterations, salt, hash), roles, generation));
            }
            PMap<String, Role> roles = TreePMap.empty();
            int m = count(in, "roles");
            for (int i = 0; i < m; i++) {
                String name = readString(in);
                int permCount = in.readUnsignedShort();
                List<Permission> perms = new ArrayList<>(permCount);
                for (int j = 0; j < permCount; j++) {
                    String prefix = readString(in);
                    boolean read = in.readBoolean();
                    perms.add(new Permission(prefix, read, in.readBoolean()));
                }
                if (roles.containsKey(name) || name.equals(Role.ROOT)) {
                    throw new IOException("snapshot role '" + name + "' is repeated or built in");
                }
                roles = roles.plus(name, new Role(name, perms));
            }
            return new AuthState(enabled, keyId, key, users, roles);
        } catch (IllegalArgumentException e) {
            throw new IOException("snapshot access model: " + e.getMessage());
        }
    }

    private static byte[] readSmall(DataInputStream in, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1024) {
            throw new IOException("snapshot password " + what + " of " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** Reads a TKV5, TKV4, TKV3 or TKV2 snapshot, checking that what it says hangs together. */
    static State read(InputStream is) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 16));
        int magic = in.readInt();
        if (magic != TKV5 && magic != TKV4 && magic != TKV3 && magic != TKV2) {
            throw new IOException("not a key/value snapshot (bad magic " + Integer.toHexString(magic) + ")");
        }
        boolean v5 = magic == TKV5;
        boolean v4 = magic == TKV4 || v5;
        long revision = in.readLong();
        long clock = in.readLong();
        long sweep = in.readLong();
        int n = count(in, "keys");
        TreeMap<String, Versioned> keys = new TreeMap<>();
        String previous = null;
        for (int i = 0; i < n; i++) {
            String key = readString(in);
            if (previous != null && key.compareTo(previous) <= 0) {
                throw new IOException("snapshot keys out of order: '" + key + "' after '" + previous + "'");
            }
            previous = key;
            Versioned v;
            try {
                v = v4 ? readVersioned(in, key) : oldVersioned(in, key);
            } catch (IllegalArgumentException e) {
                throw new IOException("snapshot key '" + key + "': " + e.getMessage());
            }
            if (v.version() > revision) {
                throw new IOException("snapshot key '" + key + "' has version " + v.version() + " after the snapshot's revision " + revision);
            }
            keys.put(key, v);
        }
        PMap<Long, Lease> leases = KvView.EMPTY.leases();
        if (v4) {
            int m = count(in, "leases");
            for (int i = 0; i < m; i++) {
                long id = in.readLong();
                long ttl = in.readLong();
                if (id < 1 || ttl < 1 || leases.containsKey(id)) {
                    throw new IOException("snapshot lease " + id + " with TTL " + ttl + " ms is invalid or repeated");
                }
                leases = leases.plus(id, new Lease(id, ttl));
            }
            Map<Long, Lease> attached = new HashMap<>(leases);
            for (Map.Entry<String, Versioned> e : keys.entrySet()) {
                long id = e.getValue().lease();
                if (id != 0) {
                    Lease l = attached.get(id);
                    if (l == null) {
                        throw new IOException("snapshot key '" + e.getKey() + "' is attached to lease " + id + ", which it does not hold");
                    }
                    attached.put(id, l.attach(e.getKey()));
                }
            }
            leases = leases.plusAll(attached);
        }
        List<Map.Entry<Long, Session>> registered = new ArrayList<>();
        List<Map.Entry<String, Session>> legacy = new ArrayList<>();
        if (magic != TKV2) {
            int m = count(in, "sessions");
            for (int i = 0; i < m; i++) {
                long id = in.readLong();
                String owner = v5 ? readString(in) : "";
                if (!owner.isEmpty() && !io.tally.kv.auth.Names.valid(owner)) {
                    throw new IOException("snapshot session " + id + " has owner '" + owner + "'");
                }
                Session session = readSession(in, Long.toString(id), v4);
                registered.add(Map.entry(id, new Session(session.lastSeq(), session.lastResult(), session.lastStampMillis(), owner)));
            }
        }
        int l = count(in, "legacy sessions");
        for (int i = 0; i < l; i++) {
            String id = readString(in);
            legacy.add(Map.entry(id, readSession(in, id, v4)));
        }
        if (magic == TKV2) {
            int members = count(in, "members");
            for (int i = 0; i < members; i++) {
                readString(in); // member id
                readString(in); // its HTTP address: now in the Raft configuration
            }
        }
        long oldest = revision + 1;
        List<WatchEvent> events = new ArrayList<>();
        if (v4) {
            oldest = in.readLong();
            if (oldest < 1 || oldest > revision + 1) {
                throw new IOException("snapshot history starts at revision " + oldest + ", beyond its revision " + revision);
            }
            int e = count(in, "events");
            long last = oldest;
            for (int i = 0; i < e; i++) {
                WatchEvent ev = readEvent(in);
                if (ev.revision() < last || ev.revision() > revision) {
                    throw new IOException("snapshot event at revision " + ev.revision() + " out of order (after " + last
                            + ", history from " + oldest + " to " + revision + ")");
                }
                last = ev.revision();
                events.add(ev);
            }
        }
        AuthState auth = v5 ? readAuth(in, revision) : AuthState.EMPTY;
        if (in.read() != -1) {
            throw new IOException("bytes after the end of the key/value snapshot");
        }
        KvView view = new KvView(TreePMap.fromSortedMap(keys), leases, revision, auth);
        return new State(view, new SessionTable.Image(clock, sweep, registered, legacy), oldest, events);
    }

    private static void writeVersioned(DataOutputStream out, Versioned v) throws IOException {
        out.writeLong(v.version());
        out.writeLong(v.created());
        out.writeLong(v.lease());
        KvCodec.writeBytes(out, v.value());
    }

    private static Versioned readVersioned(DataInputStream in, String what) throws IOException {
        long version = in.readLong();
        long created = in.readLong();
        long lease = in.readLong();
        return new Versioned(readValue(in, what), version, created, lease);
    }

    /** TKV3 and TKV2 kept no creating revision: the version stands in for it. */
    private static Versioned oldVersioned(DataInputStream in, String what) throws IOException {
        long version = in.readLong();
        return new Versioned(readValue(in, what), version, version, 0);
    }

    private static WatchEvent readEvent(DataInputStream in) throws IOException {
        long revision = in.readLong();
        int type = in.readUnsignedByte();
        String key = readString(in);
        long version = in.readLong();
        long lease = in.readLong();
        return switch (type) {
            case 1 -> new WatchEvent(revision, WatchEvent.Type.PUT, key, readValue(in, key), version, lease);
            case 2 -> new WatchEvent(revision, WatchEvent.Type.DELETE, key, null, version, lease);
            default -> throw new IOException("snapshot event of type " + type);
        };
    }

    private static void writeSession(DataOutputStream out, Session s) throws IOException {
        out.writeLong(s.lastSeq());
        out.writeLong(s.lastStampMillis());
        writeResult(out, s.lastResult());
    }

    private static Session readSession(DataInputStream in, String id, boolean v4) throws IOException {
        long seq = in.readLong();
        long last = in.readLong();
        return new Session(seq, v4 ? readResult(in, id) : oldResult(in, id), last);
    }

    static void writeResult(DataOutputStream out, KvResult r) throws IOException {
        out.writeByte(r.status().ordinal());
        out.writeLong(r.revision());
        out.writeLong(r.version());
        out.writeLong(r.count());
        out.writeBoolean(r.txn() != null);
        if (r.txn() == null) {
            return;
        }
        out.writeBoolean(r.txn().succeeded());
        out.writeShort(r.txn().results().size());
        for (TxnOpResult o : r.txn().results()) {
            if (o instanceof TxnOpResult.Put p) {
                out.writeByte(1);
                KvCodec.writeString(out, p.key());
                out.writeLong(p.version());
            } else if (o instanceof TxnOpResult.Get g) {
                out.writeByte(2);
                KvCodec.writeString(out, g.key());
                out.writeBoolean(g.value() != null);
                if (g.value() != null) {
                    writeVersioned(out, g.value());
                }
            } else if (o instanceof TxnOpResult.Delete d) {
                out.writeByte(3);
                KvCodec.writeString(out, d.key());
                out.writeLong(d.deleted());
            } else if (o instanceof TxnOpResult.DeletePrefix d) {
                out.writeByte(4);
                KvCodec.writeString(out, d.prefix());
                out.writeLong(d.deleted());
            }
        }
    }

    static KvResult readResult(DataInputStream in, String session) throws IOException {
        KvResult.Status status = status(in.readUnsignedByte(), session);
        long revision = in.readLong();
        long version = in.readLong();
        long count = in.readLong();
        if (!in.readBoolean()) {
            return new KvResult(status, revision, version, count, null);
        }
        boolean succeeded = in.readBoolean();
        int n = in.readUnsignedShort();
        List<TxnOpResult> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = in.readUnsignedByte();
            String key = readString(in);
            results.add(switch (kind) {
                case 1 -> new TxnOpResult.Put(key, in.readLong());
                case 2 -> new TxnOpResult.Get(key, in.readBoolean() ? readVersioned(in, key) : null);
                case 3 -> new TxnOpResult.Delete(key, in.readLong());
                case 4 -> new TxnOpResult.DeletePrefix(key, in.readLong());
                default -> throw new IOException("snapshot session " + session + " has a transaction result of kind " + kind);
            });
        }
        return new KvResult(status, revision, version, count, new KvResult.TxnOutcome(succeeded, results));
    }

    /** TKV3 and TKV2 results: status, version, deleted. */
    private static KvResult oldResult(DataInputStream in, String session) throws IOException {
        KvResult.Status status = status(in.readUnsignedByte(), session);
        long version = in.readLong();
        boolean deleted = in.readBoolean();
        return new KvResult(status, 0, version, deleted ? 1 : 0, null);
    }

    private static KvResult.Status status(int code, String session) throws IOException {
        KvResult.Status[] statuses = KvResult.Status.values();
        if (code >= statuses.length) {
            throw new IOException("snapshot session " + session + " has result status " + code);
        }
        return statuses[code];
    }

    private static byte[] readValue(DataInputStream in, String key) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > MAX_VALUE_BYTES) {
            throw new IOException("snapshot value of " + len + " bytes for key " + key);
        }
        byte[] v = new byte[len];
        in.readFully(v);
        return v;
    }

    private static int count(DataInputStream in, String what) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("snapshot claims " + n + " " + what);
        }
        return n;
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
