package io.tally.kv;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The client sessions of the key/value state machine (Raft thesis §6.3) and the log clock that expires them.
 * Applied on the apply thread only; {@link #holds} and {@link #now} may be read from any thread.
 *
 * <p>The log clock: {@code now} is the largest stamp of any entry applied so far. Stamps are written into the
 * entries by the proposing leader ({@link ClusterClock}), so the clock, and with it every expiry, is a function of
 * the log alone: every replica expires the same sessions at the same entry. Taking the maximum means a leader whose
 * stamps lag behind its predecessor's never moves time backwards.
 *
 * <p>Invariants:
 * <ul>
 *   <li>A session is live while {@code now - lastStamp <= ttl}; past that it is expired, whether or not the
 *       periodic sweep has removed it yet, and it never comes back (its id was the index of its REGISTER entry,
 *       which no later entry shares).</li>
 *   <li>A write on a session that is not live changes nothing ({@code SESSION_EXPIRED}), under
 *       {@link SessionRule#REGISTERED}.</li>
 *   <li>A session applies each sequence number at most once: a repeat of its last gets the recorded result, an
 *       older one {@code STALE_REQUEST}.</li>
 * </ul>
 *
 * <p>Legacy sessions ({@link #applyLegacy}) are those of version-1 entries and of TKV2 snapshots, keyed by
 * client-chosen strings and created implicitly; they follow the old rules exactly, so that a log written before
 * the upgrade replays as it first applied. Nothing new creates them once the old entries are replayed, and they
 * expire like the others.
 */
final class SessionTable {

    private static final long SWEEP_EVERY_MILLIS = 1000;

    private final long ttlMillis;
    private final SessionRule rule;
    private final Map<Long, Session> registered = new ConcurrentHashMap<>();
    private final Map<String, Session> legacy = new HashMap<>();
    private volatile long now;
    private long lastSweep;

    SessionTable(long ttlMillis, SessionRule rule) {
        this.ttlMillis = ttlMillis;
        this.rule = rule;
    }

    /** The log clock: the newest stamp applied. */
    long now() {
        return now;
    }

    /** Moves the log clock to {@code stamp} if it is newer (never back), sweeping expired sessions now and then. */
    void advance(long stamp) {
        if (stamp <= now) {
            return;
        }
        now = stamp;
        if (stamp - lastSweep >= SWEEP_EVERY_MILLIS) {
            long cutoff = stamp - ttlMillis;
            registered.values().removeIf(s -> s.lastStampMillis() < cutoff);
            legacy.values().removeIf(s -> s.lastStampMillis() < cutoff);
            lastSweep = stamp;
        }
    }

    /** Opens session {@code id} (the index of its REGISTER entry) for {@code owner} ("" without authentication). */
    KvResult register(long id, String owner) {
        KvResult r = KvResult.opened(id);
        registered.put(id, new Session(0, r, now, owner));
        return r;
    }

    KvResult register(long id) {
        return register(id, "");
    }

    /** Whether session {@code id} is live by the log clock. */
    boolean holds(long id) {
        Session s = registered.get(id);
        return s != null && !expired(s);
    }

    private boolean expired(Session s) {
        return s.lastStampMillis() < now - ttlMillis;
    }

    /**
     * Request {@code seq} of session {@code id}, in the entry at {@code revision}: {@code write} runs at most once per
     * sequence number.
     */
    KvResult apply(long id, long seq, long revision, Supplier<KvResult> write) {
        return apply(id, seq, revision, null, write);
    }

    /**
     * As {@link #apply(long, long, long, Supplier)}; with a {@code user} (authentication on), a session opened by
     * another user is, for this user, one the cluster does not hold.
     */
    KvResult apply(long id, long seq, long revision, String user, Supplier<KvResult> write) {
        Session s = registered.get(id);
        if (s != null && expired(s)) {
            registered.remove(id); // the sweep would remove it at its next round; it is dead already
            s = null;
        }
        if (s != null && user != null && !s.owner().equals(user)) {
            return KvResult.refused(KvResult.Status.SESSION_EXPIRED, revision);
        }
        if (s == null) {
            if (rule == SessionRule.IMPLICIT_UNSAFE && seq == 1) {
                KvResult r = write.get();
                registered.put(id, new Session(1, r, now));
                return r;
            }
            return KvResult.refused(KvResult.Status.SESSION_EXPIRED, revision);
        }
        if (seq == s.lastSeq()) {
            registered.put(id, s.touched(now));
            return s.lastResult(); // a retry of what was applied: the same answer, no second effect
        }
        if (seq < s.lastSeq()) {
            registered.put(id, s.touched(now));
            return KvResult.refused(KvResult.Status.STALE_REQUEST, revision);
        }
        KvResult r = write.get();
        registered.put(id, new Session(seq, r, now, s.owner()));
        return r;
    }

    /**
     * A version-1 entry's request, with the rules it was written under: a first write (seq 1) creates its
     * session, a session is swept (not checked) for expiry, and its activity stamp is the entry's own.
     */
    KvResult applyLegacy(String client, long seq, long stamp, long revision, Supplier<KvResult> write) {
        Session s = legacy.get(client);
        long last = s == null ? 0 : s.lastSeq();
        if (s != null && seq == last) {
            return s.lastResult();
        }
        if (seq <= last || (s == null && seq > 1)) {
            return KvResult.refused(KvResult.Status.STALE_REQUEST, revision);
        }
        KvResult r = write.get();
        legacy.put(client, new Session(seq, r, Math.max(stamp, s == null ? 0 : s.lastStampMillis())));
        return r;
    }

    int size() {
        return registered.size() + legacy.size();
    }

    // ------------------------------------------------------------------ snapshots

    /** A copy of everything, taken on the apply thread for a snapshot. */
    Image image() {
        return new Image(now, lastSweep, registered.entrySet().stream().map(Map.Entry::copyOf).toList(),
                legacy.entrySet().stream().map(Map.Entry::copyOf).toList());
    }

    /** Replaces everything with a snapshot's. */
    void restore(Image image) {
        registered.clear();
        legacy.clear();
        image.registered().forEach(e -> registered.put(e.getKey(), e.getValue()));
        image.legacy().forEach(e -> legacy.put(e.getKey(), e.getValue()));
        now = image.now();
        lastSweep = image.lastSweep();
    }

    /** The sessions and the log clock at one point. */
    record Image(long now, long lastSweep, List<Map.Entry<Long, Session>> registered,
                 List<Map.Entry<String, Session>> legacy) {
    }
}
