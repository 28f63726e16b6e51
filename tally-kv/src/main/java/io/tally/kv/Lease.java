package io.tally.kv;

import org.pcollections.TreePSet;

import java.util.SortedSet;

/**
 * A lease as the replicated state holds it: its id (the revision of its grant), its TTL, and the keys attached to it.
 * Immutable. When it is revoked or expires, all its keys are deleted at one revision. When it expires is not state:
 * the leader decides that ({@link Lessor}) and carries the decision through the log.
 */
public final class Lease {

    private final long id;
    private final long ttlMillis;
    private final TreePSet<String> keys;

    Lease(long id, long ttlMillis) {
        this(id, ttlMillis, TreePSet.empty());
    }

    private Lease(long id, long ttlMillis, TreePSet<String> keys) {
        this.id = id;
        this.ttlMillis = ttlMillis;
        this.keys = keys;
    }

    public long id() {
        return id;
    }

    public long ttlMillis() {
        return ttlMillis;
    }

    /** The keys attached to this lease, in key order. */
    public SortedSet<String> keys() {
        return keys;
    }

    Lease attach(String key) {
        return new Lease(id, ttlMillis, keys.plus(key));
    }

    Lease detach(String key) {
        return new Lease(id, ttlMillis, keys.minus(key));
    }

    @Override
    public String toString() {
        return "lease " + id + " (" + ttlMillis + " ms, " + keys.size() + " keys)";
    }
}
