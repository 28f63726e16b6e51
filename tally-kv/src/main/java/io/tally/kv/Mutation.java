package io.tally.kv;

import org.pcollections.PMap;
import org.pcollections.TreePMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One command's change to the store: starts from a {@link KvView}, applies one {@link KvRequest} at one revision,
 * and yields the new view and the events it made. Everything a command writes gets that one revision, however many
 * keys it touches. Nothing is shared until {@link #view()} is taken, so a request refused half-way (a transaction
 * naming a missing lease) is simply dropped.
 */
final class Mutation {

    private TreePMap<String, Versioned> data;
    private PMap<Long, Lease> leases;
    private io.tally.kv.auth.AuthState auth;
    private final long revision;
    private final List<WatchEvent> events = new ArrayList<>();

    Mutation(KvView base, long revision) {
        this.data = base.data();
        this.leases = base.leases();
        this.auth = base.auth();
        this.revision = revision;
    }

    /** The store after this command. */
    KvView view() {
        return new KvView(data, leases, revision, auth);
    }

    /** The access model as this command found it (or left it, once it changed it). */
    io.tally.kv.auth.AuthState auth() {
        return auth;
    }

    /** The keys as this command found them. */
    TreePMap<String, Versioned> data() {
        return data;
    }

    PMap<Long, Lease> leases() {
        return leases;
    }

    /** The changes this command made, in the order it made them. */
    List<WatchEvent> events() {
        return events;
    }

    KvResult execute(KvRequest request) {
        if (request instanceof KvRequest.Put p) {
            long current = versionOf(p.key());
            if (p.expectedVersion() != KvRequest.ANY_VERSION && p.expectedVersion() != current) {
                return KvResult.casFailed(revision, current);
            }
            if (p.lease() != 0 && !leases.containsKey(p.lease())) {
                return KvResult.refused(KvResult.Status.LEASE_NOT_FOUND, revision);
            }
            put(p.key(), p.value(), p.lease());
            return KvResult.written(revision);
        } else if (request instanceof KvRequest.Append a) {
            Versioned old = data.get(a.key());
            byte[] joined = old == null ? a.value() : concat(old.value(), a.value());
            put(a.key(), joined, old == null ? 0 : old.lease());
            return KvResult.written(revision);
        } else if (request instanceof KvRequest.Delete d) {
            long current = versionOf(d.key());
            if (d.expectedVersion() != KvRequest.ANY_VERSION && d.expectedVersion() != current) {
                return KvResult.casFailed(revision, current);
            }
            return KvResult.deleted(revision, delete(d.key()));
        } else if (request instanceof KvRequest.DeletePrefix d) {
            return KvResult.removed(revision, deletePrefix(d.prefix()));
        } else if (request instanceof KvRequest.Txn t) {
            return transaction(t);
        } else if (request instanceof KvRequest.GrantLease g) {
            leases = leases.plus(revision, new Lease(revision, g.ttlMillis()));
            return KvResult.opened(revision);
        } else if (request instanceof KvRequest.AuthChange a) {
            AuthChanges.Outcome o = AuthChanges.apply(auth, a, revision);
            if (o.status() != KvResult.Status.OK) {
                return KvResult.refused(o.status(), revision);
            }
            auth = o.state();
            return KvResult.written(revision);
        } else if (request instanceof KvRequest.RevokeLease r) {
            Lease lease = leases.get(r.id());
            if (lease == null) {
                return KvResult.refused(KvResult.Status.LEASE_NOT_FOUND, revision);
            }
            long n = 0;
            for (String key : lease.keys()) {
                if (delete(key) > 0) {
                    n++;
                }
            }
            leases = leases.minus(r.id());
            return KvResult.removed(revision, n);
        }
        throw new IllegalStateException("not a store write: " + request);
    }

    private KvResult transaction(KvRequest.Txn t) {
        boolean succeeded = true;
        for (Compare c : t.compare()) {
            if (!c.holds(data.get(c.key()))) {
                succeeded = false;
                break;
            }
        }
        List<TxnOp> ops = succeeded ? t.success() : t.failure();
        for (TxnOp op : ops) {
            if (op instanceof TxnOp.Put p && p.lease() != 0 && !leases.containsKey(p.lease())) {
                return KvResult.refused(KvResult.Status.LEASE_NOT_FOUND, revision); // nothing applied
            }
        }
        List<TxnOpResult> results = new ArrayList<>(ops.size());
        for (TxnOp op : ops) {
            if (op instanceof TxnOp.Put p) {
                put(p.key(), p.value(), p.lease());
                results.add(new TxnOpResult.Put(p.key(), revision));
            } else if (op instanceof TxnOp.Get g) {
                results.add(new TxnOpResult.Get(g.key(), data.get(g.key())));
            } else if (op instanceof TxnOp.Delete d) {
                results.add(new TxnOpResult.Delete(d.key(), delete(d.key()) > 0 ? 1 : 0));
            } else if (op instanceof TxnOp.DeletePrefix d) {
                results.add(new TxnOpResult.DeletePrefix(d.prefix(), deletePrefix(d.prefix())));
            }
        }
        return KvResult.transaction(revision, succeeded, results);
    }

    private long versionOf(String key) {
        Versioned v = data.get(key);
        return v == null ? 0 : v.version();
    }

    /** Writes {@code key}, moving it to {@code lease} (which exists, or is 0). */
    private void put(String key, byte[] value, long lease) {
        Versioned old = data.get(key);
        if (old != null && old.lease() != 0 && old.lease() != lease) {
            detach(old.lease(), key);
        }
        if (lease != 0 && (old == null || old.lease() != lease)) {
            leases = leases.plus(lease, leases.get(lease).attach(key));
        }
        Versioned v = new Versioned(value, revision, old == null ? revision : old.created(), lease);
        data = data.plus(key, v);
        events.add(WatchEvent.put(revision, key, v));
    }

    /** Deletes {@code key}; returns the version deleted, or 0 when it did not exist. */
    private long delete(String key) {
        Versioned old = data.get(key);
        if (old == null) {
            return 0;
        }
        if (old.lease() != 0) {
            detach(old.lease(), key);
        }
        data = data.minus(key);
        events.add(WatchEvent.delete(revision, key, old));
        return old.version();
    }

    private long deletePrefix(String prefix) {
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, Versioned> e : view().range(prefix).entrySet()) {
            keys.add(e.getKey());
        }
        for (String key : keys) {
            delete(key);
        }
        return keys.size();
    }

    private void detach(long leaseId, String key) {
        Lease lease = leases.get(leaseId);
        if (lease != null) {
            leases = leases.plus(leaseId, lease.detach(key));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = new byte[a.length + b.length];
        System.arraycopy(a, 0, joined, 0, a.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
