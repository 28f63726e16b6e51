package io.tally.kv;

import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.TreePMap;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store at one revision, immutable: the keys (a persistent sorted map), the leases and the access model. The state machine publishes
 * a new view after every batch of commands; a reader that holds a view sees one revision throughout, however many
 * keys it reads, while writes go on. Taking a snapshot of a view costs nothing.
 */
public final class KvView {

    static final KvView EMPTY = new KvView(TreePMap.empty(), HashTreePMap.empty(), 0);

    private final TreePMap<String, Versioned> data;
    private final PMap<Long, Lease> leases;
    private final long revision;
    private final io.tally.kv.auth.AuthState auth;

    KvView(TreePMap<String, Versioned> data, PMap<Long, Lease> leases, long revision) {
        this(data, leases, revision, io.tally.kv.auth.AuthState.EMPTY);
    }

    KvView(TreePMap<String, Versioned> data, PMap<Long, Lease> leases, long revision, io.tally.kv.auth.AuthState auth) {
        this.data = data;
        this.leases = leases;
        this.revision = revision;
        this.auth = auth;
    }

    /** The access model at this revision: users, roles, whether authentication is on, the token signing key. */
    public io.tally.kv.auth.AuthState auth() {
        return auth;
    }

    /** The revision (Raft index) of the last command applied: what a read of this view reflects. */
    public long revision() {
        return revision;
    }

    public Optional<Versioned> get(String key) {
        return Optional.ofNullable(data.get(key));
    }

    /** The number of keys. */
    public int size() {
        return data.size();
    }

    /** The keys under {@code prefix} (all keys for the empty one), in key order. */
    public TreePMap<String, Versioned> range(String prefix) {
        String end = Prefixes.end(prefix);
        return end == null ? data.tailMap(prefix, true) : data.subMap(prefix, true, end, false);
    }

    /** How many keys start with {@code prefix}, in O(log n). */
    public int count(String prefix) {
        return range(prefix).size();
    }

    /**
     * Up to {@code limit} keys under {@code prefix} that sort after {@code after} (exclusive; null or empty: from the
     * start), in key order, and whether more follow.
     */
    public Page page(String prefix, String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a page holds at least one key, not " + limit);
        }
        TreePMap<String, Versioned> r = range(prefix);
        if (after != null && !after.isEmpty()) {
            r = r.tailMap(after, false);
        }
        List<Map.Entry<String, Versioned>> items = new ArrayList<>(Math.min(limit, 1024));
        Iterator<Map.Entry<String, Versioned>> it = r.entrySet().iterator();
        while (it.hasNext() && items.size() < limit) {
            items.add(it.next());
        }
        return new Page(items, it.hasNext(), revision);
    }

    public Optional<Lease> lease(long id) {
        return Optional.ofNullable(leases.get(id));
    }

    /** The ids of every lease, in no particular order. */
    public List<Long> leaseIds() {
        return new ArrayList<>(leases.keySet());
    }

    TreePMap<String, Versioned> data() {
        return data;
    }

    PMap<Long, Lease> leases() {
        return leases;
    }

    /** A page of a range. */
    public record Page(List<Map.Entry<String, Versioned>> items, boolean more, long revision) {
    }

    static PMap<Long, Lease> emptyLeases() {
        return HashTreePMap.empty();
    }
}
