package io.tally.kv;

import io.tally.raft.StateMachine;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The replicated key/value store: keys with revisions, leases, client sessions for exactly-once writes, and the
 * history of recent events that watches read.
 *
 * <p>Revisions: the store's revision is the Raft index of the last command applied. Every command applies at its
 * own revision, however many keys it writes, so a transaction, a prefix delete or a lease's end is one revision;
 * a key's version is the revision that last wrote it. Revisions only grow; they skip the indexes of entries that are
 * not commands (no-ops, configurations).
 *
 * <p>Threads: writes arrive only through {@link #apply}, on the node's apply thread. After every batch the state
 * machine publishes an immutable {@link KvView}, then hands the batch's events to the {@link WatchHub}. Readers take
 * {@link #view()} from any thread and see one revision throughout; linearizable reads are the caller's job
 * (ReadIndex: read once the applied index has reached the read index).
 *
 * <p>Sessions (Raft thesis §6.3), kept in {@link SessionTable}:
 * <ul>
 *   <li>A client opens a session with a {@link KvRequest.Register} entry; the session's id is that entry's revision,
 *       so the log chooses it and it is unique.</li>
 *   <li>A write with session {@code s} and sequence number {@code seq} applies only if {@code s} is live and
 *       {@code seq} is above its last; a repeat of the last gets the recorded result without applying again; an
 *       older one is {@code STALE_REQUEST}.</li>
 *   <li>A write on a session the state machine does not hold (never registered, or expired) is
 *       {@code SESSION_EXPIRED} and changes nothing (the old rule, a session created by its first write, is kept
 *       only as {@link SessionRule#IMPLICIT_UNSAFE} for control runs).</li>
 *   <li>A session expires when it has been idle for more than the TTL by the log clock: the largest stamp of any
 *       entry applied. Leaders stamp entries from the monotonic {@link ClusterClock}, never the wall clock.</li>
 * </ul>
 * Writes without a session (plain HTTP clients) apply without exactly-once protection.
 *
 * <p>Leases: granting, revoking and expiring are log entries; when a lease ends, its keys are deleted at that entry's
 * revision. Only the leader decides that a lease expired ({@link Lessor}); the state machine never reads a clock.
 */
public final class KvStateMachine implements StateMachine<KvResult> {

    /** Watches can start this many revisions back, unless configured otherwise. */
    public static final long DEFAULT_HISTORY_REVISIONS = 100_000;

    private volatile KvView view = KvView.EMPTY;
    private final SessionTable sessions;
    private final Duration sessionTtl;
    private final EventHistory history;
    private final WatchHub hub;

    /**
     * @param sessionTtl       how long a session may stay idle, by the log clock, before it expires; it must be the
     *                         same on every replica (it is part of the state machine's rules)
     * @param rule             {@link SessionRule#REGISTERED}; anything else only in control runs
     * @param historyRevisions how many revisions of events to keep for watches
     */
    public KvStateMachine(Duration sessionTtl, SessionRule rule, long historyRevisions) {
        if (sessionTtl.isNegative() || sessionTtl.isZero()) {
            throw new IllegalArgumentException("session TTL must be positive");
        }
        this.sessionTtl = sessionTtl;
        this.sessions = new SessionTable(sessionTtl.toMillis(), Objects.requireNonNull(rule, "rule"));
        this.history = new EventHistory(historyRevisions);
        this.hub = new WatchHub(history, WatchHub.DEFAULT_MAX_QUEUED);
    }

    public KvStateMachine(Duration sessionTtl, SessionRule rule) {
        this(sessionTtl, rule, DEFAULT_HISTORY_REVISIONS);
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
        List<WatchEvent> events = new ArrayList<>();
        KvView v = view;
        for (Command c : commands) {
            Mutation m = new Mutation(v, c.index());
            results.add(applyOne(c, m));
            v = m.view();
            events.addAll(m.events());
        }
        view = v;
        hub.publish(v.revision(), events);
        return results;
    }

    private KvResult applyOne(Command c, Mutation m) {
        if (KvCodec.versionOf(c.data()) == LegacyCommand.VERSION) {
            LegacyCommand legacy;
            try {
                legacy = LegacyCommand.decode(c.data());
            } catch (IllegalArgumentException e) {
                return KvResult.refused(KvResult.Status.MALFORMED, c.index());
            }
            return applyLegacy(legacy, m, c.index());
        }
        KvCommand cmd;
        try {
            cmd = KvCommand.decode(c.data());
        } catch (IllegalArgumentException e) {
            return KvResult.refused(KvResult.Status.MALFORMED, c.index());
        }
        sessions.advance(cmd.stampMillis());
        boolean authOn = m.auth().enabled();
        if (cmd.request() instanceof KvRequest.Register) {
            if (CommandAuthorization.denial(m.view(), cmd) != null) {
                return KvResult.refused(KvResult.Status.PERMISSION_DENIED, c.index());
            }
            return sessions.register(c.index(), authOn ? cmd.user() : "");
        }
        // Permissions are checked against the state the command finds here, whatever the HTTP layer saw earlier: a
        // permission revoked while the write was in flight is still enforced, and a refusal applies nothing. Inside a
        // session the refusal is the request's recorded answer, like any other.
        java.util.function.Supplier<KvResult> run = () -> CommandAuthorization.denial(m.view(), cmd) == null
                ? m.execute(cmd.request()) : KvResult.refused(KvResult.Status.PERMISSION_DENIED, c.index());
        if (cmd.session() == 0) {
            return run.get();
        }
        return sessions.apply(cmd.session(), cmd.seq(), c.index(), authOn ? cmd.user() : null, run);
    }

    private KvResult applyLegacy(LegacyCommand cmd, Mutation m, long index) {
        sessions.advance(cmd.stampMillis());
        if (cmd.write() == null) {
            return KvResult.written(index); // a retired member-directory entry: only its stamp counts
        }
        if (cmd.clientId().isEmpty()) {
            return m.execute(cmd.write());
        }
        return sessions.applyLegacy(cmd.clientId(), cmd.seq(), cmd.stampMillis(), index, () -> m.execute(cmd.write()));
    }

    /** The store as of the last batch applied: one revision, immutable. */
    public KvView view() {
        return view;
    }

    /** The watches of this store. */
    public WatchHub watches() {
        return hub;
    }

    /** The store's revision: the index of the last command applied (or restored). */
    public long appliedIndex() {
        return view.revision();
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
        return view.get(key);
    }

    /** Up to {@code limit} keys starting with {@code prefix}, in key order. */
    public List<Map.Entry<String, Versioned>> scan(String prefix, int limit) {
        return view.page(prefix, null, limit).items();
    }

    public int size() {
        return view.size();
    }

    int sessionCount() {
        return sessions.size();
    }

    /**
     * A point-in-time copy of keys, leases, sessions and event history, made on the apply thread (the keys and leases
     * are a persistent map: nothing is copied; the sessions and the history are copied by reference) and written out
     * later on the snapshot thread ({@link KvSnapshotFormat}).
     */
    @Override
    public Snapshot snapshot() {
        KvSnapshotFormat.State state;
        synchronized (hub) {
            state = new KvSnapshotFormat.State(view, sessions.image(), history.oldest(), history.events());
        }
        return out -> KvSnapshotFormat.write(out, state);
    }

    /** Restores a TKV5 snapshot, or an older one (TKV4 without the access model, TKV3 and TKV2 without leases or history either). */
    @Override
    public void restore(InputStream is) throws IOException {
        KvSnapshotFormat.State s = KvSnapshotFormat.read(is);
        sessions.restore(s.sessions());
        view = s.view();
        hub.restored(s.historyOldest(), s.view().revision(), s.events());
    }
}
