package io.tally.kv;

import io.tally.raft.StateMachine;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
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
 * <p>Sessions (Raft thesis §6.3), kept in {@link SessionTable}:
 * <ul>
 *   <li>A client opens a session with a {@link KvCommand.Op#REGISTER} entry; the session's id is that entry's
 *       Raft index, so the log chooses it and it is unique.</li>
 *   <li>A write with session {@code s} and sequence number {@code seq} applies only if {@code s} is live and
 *       {@code seq} is above its last; a repeat of the last gets the recorded result without applying again; an
 *       older one is {@code STALE_REQUEST}.</li>
 *   <li>A write on a session the state machine does not hold (never registered, or expired) is
 *       {@code SESSION_EXPIRED} and changes nothing: a retry that arrives after its session expired can never
 *       apply a second time, because nothing but a REGISTER entry creates a session. (The old rule, a session
 *       created by its first write, is kept only as {@link SessionRule#IMPLICIT_UNSAFE} for control runs.)</li>
 *   <li>A session expires when it has been idle for more than the TTL by the log clock: the largest stamp of any
 *       entry applied. Leaders stamp entries from the monotonic {@link ClusterClock}, never the wall clock, and
 *       the state machine takes the maximum, so time here never goes backwards across leaders, does not jump
 *       with a leader's wall clock, and every replica expires the same sessions at the same entry.</li>
 * </ul>
 * Writes without a session (plain HTTP clients) apply without exactly-once protection.
 */
public final class KvStateMachine implements StateMachine<KvResult> {

    private final ConcurrentSkipListMap<String, Versioned> data = new ConcurrentSkipListMap<>();
    private final SessionTable sessions;
    private final Duration sessionTtl;
    private volatile long appliedIndex;

    /**
     * @param sessionTtl how long a session may stay idle, by the log clock, before it expires; it must be the same
     *                   on every replica (it is part of the state machine's rules)
     * @param rule       {@link SessionRule#REGISTERED}; anything else only in control runs
     */
    public KvStateMachine(Duration sessionTtl, SessionRule rule) {
        if (sessionTtl.isNegative() || sessionTtl.isZero()) {
            throw new IllegalArgumentException("session TTL must be positive");
        }
        this.sessionTtl = sessionTtl;
        this.sessions = new SessionTable(sessionTtl.toMillis(), java.util.Objects.requireNonNull(rule, "rule"));
    }

    public KvStateMachine(Duration sessionTtl) {
        this(sessionTtl, SessionRule.REGISTERED);
    }

    /** Sessions expire after an hour idle. */
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
        if (KvCommand.versionOf(c.data()) == LegacyCommand.VERSION) {
            LegacyCommand legacy;
            try {
                legacy = LegacyCommand.decode(c.data());
            } catch (IllegalArgumentException e) {
                return KvResult.MALFORMED_COMMAND;
            }
            return applyLegacy(legacy, c.index());
        }
        KvCommand cmd;
        try {
            cmd = KvCommand.decode(c.data());
        } catch (IllegalArgumentException e) {
            return KvResult.MALFORMED_COMMAND;
        }
        sessions.advance(cmd.stampMillis());
        if (cmd.op() == KvCommand.Op.REGISTER) {
            return sessions.register(c.index());
        }
        if (cmd.session() == 0) {
            return execute(cmd, c.index());
        }
        return sessions.apply(cmd.session(), cmd.seq(), () -> execute(cmd, c.index()));
    }

    private KvResult applyLegacy(LegacyCommand cmd, long index) {
        sessions.advance(cmd.stampMillis());
        if (cmd.write() == null) {
            return KvResult.written(index); // a retired member-directory entry: only its stamp counts
        }
        if (cmd.clientId().isEmpty()) {
            return execute(cmd.write(), index);
        }
        return sessions.applyLegacy(cmd.clientId(), cmd.seq(), cmd.stampMillis(), () -> execute(cmd.write(), index));
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
            case REGISTER -> throw new IllegalStateException("a registration is not a write");
        };
    }

    /** The index of the last command applied (or restored). */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** The log clock: the newest stamp of any entry applied (or restored), in milliseconds of cluster time. */
    public long newestStamp() {
        return sessions.now();
    }

    public Duration sessionTtl() {
        return sessionTtl;
    }

    /** Whether session {@code id} is open and not expired by the log clock, as of the last applied entry. */
    public boolean holdsSession(long id) {
        return sessions.holds(id);
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
     * shared, not copied) and written out later on the snapshot thread ({@link KvSnapshotFormat}).
     */
    @Override
    public Snapshot snapshot() {
        KvSnapshotFormat.State state = new KvSnapshotFormat.State(appliedIndex, new ArrayList<>(data.entrySet()),
                sessions.image());
        return out -> KvSnapshotFormat.write(out, state);
    }

    /** Restores a TKV3 snapshot, or a TKV2 one from before sessions were registered. */
    @Override
    public void restore(InputStream is) throws IOException {
        KvSnapshotFormat.State s = KvSnapshotFormat.read(is);
        data.clear();
        for (Map.Entry<String, Versioned> e : s.keys()) {
            data.put(e.getKey(), e.getValue());
        }
        sessions.restore(s.sessions());
        appliedIndex = s.appliedIndex();
    }
}
