package io.tally.kv;

import io.tally.raft.StateMachine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The replicated key/value store: an ordered map from key to {@link Versioned} value, plus client sessions
 * for exactly-once writes.
 *
 * <p>Writes arrive only through {@link #apply}, on the node's apply thread. Reads ({@link #get},
 * {@link #scan}) may come from any thread at any time and see a consistent value per key; linearizable
 * reads are the caller's job (ReadIndex: read once the applied index has reached the read index).
 *
 * <p>Sessions: a write with a client id and sequence number {@code seq} is applied only if {@code seq} is
 * above the session's last; a repeat of the last one returns the recorded result without applying again;
 * an older one, or a {@code seq > 1} from an unknown (new or expired) session, is {@code STALE_REQUEST}.
 * Sessions expire when they have been idle for more than {@code sessionTtl} by the log clock: the newest stamp
 * of any entry applied. Leaders stamp entries from the monotonic {@link ClusterClock}, never a wall clock, and the
 * state machine takes the maximum, so the log clock never goes backwards across leaders, does not jump with a
 * leader's wall clock, and expiry is a function of the log alone: every replica expires the same sessions at the
 * same index. A session's activity is recorded at the log clock, not at its entry's own (possibly lagging) stamp.
 */
public final class KvStateMachine implements StateMachine<KvResult> {

    /** "TKV2": keys, sessions, and a member directory section that is written empty and skipped on restore. */
    private static final int SNAPSHOT_MAGIC = 0x544b5632;
    private static final long SWEEP_EVERY_MILLIS = 1000;

    private final ConcurrentSkipListMap<String, Versioned> data = new ConcurrentSkipListMap<>();
    private final Map<String, Session> sessions = new HashMap<>(); // apply thread only
    private final long sessionTtlMillis;
    private volatile long newestStamp; // written on the apply thread only
    private long lastSweepStamp;
    private volatile long appliedIndex;

    public KvStateMachine(Duration sessionTtl) {
        if (sessionTtl.isNegative() || sessionTtl.isZero()) {
            throw new IllegalArgumentException("session TTL must be positive");
        }
        this.sessionTtlMillis = sessionTtl.toMillis();
    }

    public KvStateMachine() {
        this(Duration.ofHours(1));
    }

    @Override
    public List<KvResult> apply(List<Command> commands) {
        List<KvResult> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            results.add(applyOne(c));
            appliedIndex = c.index();
        }
        return results;
    }

    private KvResult applyOne(Command c) {
        KvCommand cmd;
        try {
            cmd = KvCommand.decode(c.data());
        } catch (IllegalArgumentException e) {
            return new KvResult(KvResult.Status.MALFORMED, 0, false);
        }
        if (cmd.stampMillis() > newestStamp) {
            newestStamp = cmd.stampMillis();
            if (newestStamp - lastSweepStamp >= SWEEP_EVERY_MILLIS) {
                expireSessions();
                lastSweepStamp = newestStamp;
            }
        }
        if (cmd.clientId().isEmpty()) {
            return execute(cmd, c.index());
        }
        Session s = sessions.get(cmd.clientId());
        long last = s == null ? 0 : s.lastSeq();
        if (s != null && cmd.seq() == last) {
            return s.lastResult(); // a retry of what was applied: the same answer, no second effect
        }
        if (cmd.seq() <= last || (s == null && cmd.seq() > 1)) {
            return new KvResult(KvResult.Status.STALE_REQUEST, 0, false);
        }
        KvResult r = execute(cmd, c.index());
        sessions.put(cmd.clientId(), new Session(cmd.seq(), r, newestStamp));
        return r;
    }

    private KvResult execute(KvCommand cmd, long index) {
        Versioned current = data.get(cmd.key());
        long currentVersion = current == null ? 0 : current.version();
        if (cmd.expectedVersion() != KvCommand.ANY_VERSION && cmd.expectedVersion() != currentVersion) {
            return KvResult.casFailed(currentVersion);
        }
        return switch (cmd.op()) {
            case PUT -> {
                data.put(cmd.key(), new Versioned(cmd.value(), index));
                yield KvResult.written(index);
            }
            case APPEND -> {
                byte[] old = current == null ? new byte[0] : current.value();
                byte[] joined = new byte[old.length + cmd.value().length];
                System.arraycopy(old, 0, joined, 0, old.length);
                System.arraycopy(cmd.value(), 0, joined, old.length, cmd.value().length);
                data.put(cmd.key(), new Versioned(joined, index));
                yield KvResult.written(index);
            }
            case DELETE -> {
                data.remove(cmd.key());
                yield KvResult.deleted(currentVersion);
            }
        };
    }

    private void expireSessions() {
        long cutoff = newestStamp - sessionTtlMillis;
        sessions.values().removeIf(s -> s.lastStampMillis() < cutoff);
    }

    /** The log clock: the newest stamp of any entry applied (or restored), in milliseconds of cluster time. */
    public long newestStamp() {
        return newestStamp;
    }

    /** The index of the last command applied (or restored). */
    public long appliedIndex() {
        return appliedIndex;
    }

    public Optional<Versioned> get(String key) {
        return Optional.ofNullable(data.get(key));
    }

    /** Up to {@code limit} keys starting with {@code prefix}, in key order. */
    public List<Map.Entry<String, Versioned>> scan(String prefix, int limit) {
        List<Map.Entry<String, Versioned>> out = new ArrayList<>();
        Iterator<Map.Entry<String, Versioned>> it = data.tailMap(prefix, true).entrySet().iterator();
        while (it.hasNext() && out.size() < limit) {
            Map.Entry<String, Versioned> e = it.next();
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            out.add(Map.entry(e.getKey(), e.getValue()));
        }
        return out;
    }

    public int size() {
        return data.size();
    }

    int sessionCount() {
        return sessions.size();
    }

    /**
     * A point-in-time copy of keys and sessions, made on the apply thread (O(keys): the values themselves are
     * shared, not copied) and written out later on the snapshot thread.
     */
    @Override
    public Snapshot snapshot() {
        List<Map.Entry<String, Versioned>> keys = new ArrayList<>(data.entrySet());
        List<Map.Entry<String, Session>> sess = new ArrayList<>(sessions.entrySet());
        long stamp = newestStamp;
        long sweep = lastSweepStamp;
        long applied = appliedIndex;
        return out -> write(out, applied, stamp, sweep, keys, sess);
    }

    private static void write(OutputStream os, long applied, long stamp, long sweep, List<Map.Entry<String, Versioned>> keys,
                              List<Map.Entry<String, Session>> sess) throws IOException {
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(os, 1 << 16));
        out.writeInt(SNAPSHOT_MAGIC);
        out.writeLong(applied);
        out.writeLong(stamp);
        out.writeLong(sweep);
        out.writeInt(keys.size());
        for (Map.Entry<String, Versioned> e : keys) {
            KvCommand.writeString(out, e.getKey());
            out.writeLong(e.getValue().version());
            out.writeInt(e.getValue().value().length);
            out.write(e.getValue().value());
        }
        out.writeInt(sess.size());
        for (Map.Entry<String, Session> e : sess) {
            KvCommand.writeString(out, e.getKey());
            Session s = e.getValue();
            out.writeLong(s.lastSeq());
            out.writeLong(s.lastStampMillis());
            out.writeByte(s.lastResult().status().ordinal());
            out.writeLong(s.lastResult().version());
            out.writeBoolean(s.lastResult().deleted());
        }
        out.writeInt(0); // the member directory, retired: member HTTP addresses are in the Raft configuration
        out.flush();
    }

    @Override
    public void restore(InputStream is) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(is, 1 << 16));
        if (in.readInt() != SNAPSHOT_MAGIC) {
            throw new IOException("not a key/value snapshot (bad magic)");
        }
        long applied = in.readLong();
        long stamp = in.readLong();
        long sweep = in.readLong();
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("snapshot claims " + n + " keys");
        }
        ConcurrentSkipListMap<String, Versioned> keys = new ConcurrentSkipListMap<>();
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
        int m = in.readInt();
        if (m < 0) {
            throw new IOException("snapshot claims " + m + " sessions");
        }
        Map<String, Session> sess = new HashMap<>();
        KvResult.Status[] statuses = KvResult.Status.values();
        for (int i = 0; i < m; i++) {
            String id = readString(in);
            long seq = in.readLong();
            long last = in.readLong();
            int status = in.readUnsignedByte();
            if (status >= statuses.length) {
                throw new IOException("snapshot session " + id + " has result status " + status);
            }
            sess.put(id, new Session(seq, new KvResult(statuses[status], in.readLong(), in.readBoolean()), last));
        }
        int k = in.readInt();
        if (k < 0) {
            throw new IOException("snapshot claims " + k + " members");
        }
        for (int i = 0; i < k; i++) {
            readString(in); // a member id and its HTTP address, from before the directory was retired: skipped
            readString(in);
        }
        data.clear();
        data.putAll(keys);
        sessions.clear();
        sessions.putAll(sess);
        newestStamp = stamp;
        lastSweepStamp = sweep;
        appliedIndex = applied;
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
