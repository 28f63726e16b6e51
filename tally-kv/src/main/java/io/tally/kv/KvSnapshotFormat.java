package io.tally.kv;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The key/value state machine's snapshot on disk (big-endian; {@code str} is a u16 length and UTF-8).
 *
 * <p>TKV3, written now:
 * <pre>
 *   i32 magic "TKV3", i64 appliedIndex, i64 logClock, i64 lastSweep,
 *   i32 keyCount,      keyCount × (str key, i64 version, i32 length, bytes value),
 *   i32 sessionCount,  sessionCount × (i64 id, session),
 *   i32 legacyCount,   legacyCount × (str clientId, session)
 *   where session = i64 lastSeq, i64 lastStamp, u8 status ordinal, i64 version, u8 deleted
 * </pre>
 *
 * <p>TKV2, read only (written before sessions were registered): the same up to the keys, then string-keyed sessions
 * (restored as legacy sessions) and a member directory ({@code i32 count × (str id, str httpAddress)}), which is
 * skipped: member HTTP addresses now live in the Raft configuration.
 */
final class KvSnapshotFormat {

    static final int TKV3 = 0x544b5633;
    static final int TKV2 = 0x544b5632;

    private KvSnapshotFormat() {
    }

    /** What a snapshot holds. */
    record State(long appliedIndex, List<Map.Entry<String, Versioned>> keys, SessionTable.Image sessions) {
    }

    static void write(OutputStream os, State s) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16));
        out.writeInt(TKV3);
        out.writeLong(s.appliedIndex());
        out.writeLong(s.sessions().now());
        out.writeLong(s.sessions().lastSweep());
        out.writeInt(s.keys().size());
        for (Map.Entry<String, Versioned> e : s.keys()) {
            KvCommand.writeString(out, e.getKey());
            out.writeLong(e.getValue().version());
            out.writeInt(e.getValue().value().length);
            out.write(e.getValue().value());
        }
        out.writeInt(s.sessions().registered().size());
        for (Map.Entry<Long, Session> e : s.sessions().registered()) {
            out.writeLong(e.getKey());
            writeSession(out, e.getValue());
        }
        out.writeInt(s.sessions().legacy().size());
        for (Map.Entry<String, Session> e : s.sessions().legacy()) {
            KvCommand.writeString(out, e.getKey());
            writeSession(out, e.getValue());
        }
        out.flush();
    }

    /** Reads a TKV3 or TKV2 snapshot; the keys come back in key order. */
    static State read(InputStream is) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 16));
        int magic = in.readInt();
        if (magic != TKV3 && magic != TKV2) {
            throw new IOException("not a key/value snapshot (bad magic " + Integer.toHexString(magic) + ")");
        }
        long applied = in.readLong();
        long clock = in.readLong();
        long sweep = in.readLong();
        int n = count(in, "keys");
        NavigableMap<String, Versioned> keys = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String key = readString(in);
            long version = in.readLong();
            int len = in.readInt();
            if (len < 0 || len > (256 << 20)) {
                throw new IOException("snapshot value of " + len + " bytes for key " + key);
            }
            byte[] v = new byte[len];
            in.readFully(v);
            keys.put(key, new Versioned(v, version));
        }
        List<Map.Entry<Long, Session>> registered = new ArrayList<>();
        List<Map.Entry<String, Session>> legacy = new ArrayList<>();
        if (magic == TKV3) {
            int m = count(in, "sessions");
            for (int i = 0; i < m; i++) {
                long id = in.readLong();
                registered.add(Map.entry(id, readSession(in, Long.toString(id))));
            }
        }
        int l = count(in, "legacy sessions");
        for (int i = 0; i < l; i++) {
            String id = readString(in);
            legacy.add(Map.entry(id, readSession(in, id)));
        }
        if (magic == TKV2) {
            int members = count(in, "members");
            for (int i = 0; i < members; i++) {
                readString(in); // member id
                readString(in); // its HTTP address: now in the Raft configuration
            }
        }
        return new State(applied, new ArrayList<>(keys.entrySet()), new SessionTable.Image(clock, sweep, registered, legacy));
    }

    private static void writeSession(DataOutputStream out, Session s) throws IOException {
        out.writeLong(s.lastSeq());
        out.writeLong(s.lastStampMillis());
        out.writeByte(s.lastResult().status().ordinal());
        out.writeLong(s.lastResult().version());
        out.writeBoolean(s.lastResult().deleted());
    }

    /** The TKV2 order (lastSeq, lastStamp, result) is the TKV3 order too. */
    private static Session readSession(DataInputStream in, String id) throws IOException {
        long seq = in.readLong();
        long last = in.readLong();
        int status = in.readUnsignedByte();
        KvResult.Status[] statuses = KvResult.Status.values();
        if (status >= statuses.length) {
            throw new IOException("snapshot session " + id + " has result status " + status);
        }
        return new Session(seq, new KvResult(statuses[status], in.readLong(), in.readBoolean()), last);
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
