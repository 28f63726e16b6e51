package io.tally.testkit.kv;

import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.kv.KvStateMachine;
import io.tally.kv.KvView;
import io.tally.kv.Lease;
import io.tally.kv.SessionRule;
import io.tally.kv.Versioned;
import io.tally.kv.WatchEvent;
import io.tally.raft.StateMachine.Command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What the cluster committed, as the simulator saw every node apply it: the ground truth that watches, reads and
 * leases are checked against, independent of the code that delivers watch events.
 *
 * <p>Every node's state machine is wrapped ({@link #wrap}) so that each command it applies, and the view it publishes
 * after each batch or snapshot restore, reach this object. The first time any node applies a log index, the command is
 * applied, alone, to a reference replica (a fresh {@link KvStateMachine} with the cluster's settings, fed one command
 * at a time, never restored from a snapshot); the replica's view after it is kept, and the events of that revision
 * are computed by <em>comparing the views before and after</em> (a key whose version became the revision was put; a
 * key that vanished was deleted) — not taken from the store's own event list or history. Because a node applies
 * every command after its snapshot in order, and every snapshot was made from applied commands, the indexes arrive
 * here in increasing order and none is missing.
 *
 * <p>Checked as it happens (a violation fails the scenario through a simulation event, and {@link #check}):
 * <ul>
 *   <li>every node applies the same command at each index, with the same result as the replica;</li>
 *   <li>every view a node publishes (after a batch, or restored from a snapshot) equals the replica's view at that
 *       revision: the same keys, values, versions, creation revisions and leases, and the same lease table.</li>
 * </ul>
 */
public final class KvTruth {

    /** A log entry the cluster applied, as first seen. */
    public record Applied(long index, KvCommand command, KvResult result, String firstBy, long firstAtNanos) {
    }

    private final KvStateMachine replica;
    /** The cluster's simulation, known from the first node start ({@link #attach}), before anything is applied. */
    private io.tally.testkit.sim.Simulation sim;
    private final TreeMap<Long, byte[]> data = new TreeMap<>();
    private final TreeMap<Long, Applied> applied = new TreeMap<>();
    private final TreeMap<Long, KvView> views = new TreeMap<>();
    private final List<WatchEvent> events = new ArrayList<>();
    private final List<Consumer<Applied>> listeners = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private long viewsChecked;

    KvTruth(Duration sessionTtl, SessionRule rule) {
        this.replica = new KvStateMachine(sessionTtl, rule, 1);
        views.put(0L, replica.view());
    }

    /** The simulation whose virtual time stamps what is applied, and in which a violation fails the run. */
    void attach(io.tally.testkit.sim.Simulation simulation) {
        if (sim != null && sim != simulation) {
            throw new IllegalStateException("the truth of one cluster's run cannot follow another simulation");
        }
        this.sim = Objects.requireNonNull(simulation, "simulation");
    }

    private io.tally.testkit.sim.Simulation sim() {
        if (sim == null) {
            throw new IllegalStateException("a node applied a command before the cluster was built");
        }
        return sim;
    }

    /** Runs {@code listener} the first time any node applies each entry (the moment its change becomes visible). */
    public void onFirstApply(Consumer<Applied> listener) {
        listeners.add(listener);
    }

    /** The newest revision any node applied. */
    public long revision() {
        return views.lastKey();
    }

    /** The store as of {@code revision} (the replica's view after the last command at or below it). */
    public KvView viewAt(long revision) {
        return views.floorEntry(revision).getValue();
    }

    /** The command applied at {@code revision}, or null when that index holds no command. */
    public Applied appliedAt(long revision) {
        return applied.get(revision);
    }

    /** Every entry applied, in index order. */
    public List<Applied> applied() {
        return List.copyOf(applied.values());
    }

    /** Every event, in revision order, each revision's events in key order. */
    public List<WatchEvent> events() {
        return Collections.unmodifiableList(events);
    }

    /** The events of revisions {@code from} to {@code to}, inclusive. */
    public List<WatchEvent> events(long from, long to) {
        int lo = firstAtOrAfter(from);
        int hi = firstAtOrAfter(to + 1);
        return Collections.unmodifiableList(events.subList(lo, hi));
    }

    private int firstAtOrAfter(long revision) {
        int lo = 0;
        int hi = events.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (events.get(mid).revision() < revision) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** How many published views were compared with the replica's. */
    public long viewsChecked() {
        return viewsChecked;
    }

    /** Fails with the first violation seen, if any. */
    public void check() {
        if (!violations.isEmpty()) {
            throw new AssertionError(violations.get(0) + (violations.size() > 1 ? " (and " + (violations.size() - 1)
                    + " more violations)" : ""));
        }
    }

    /**
     * Every write a client saw acknowledged is in the log at the revision its answer named, as the same request, with
     * the answer the replica gave there. Returns how many were checked.
     */
    public int checkAcknowledged(List<SimKvClient.Acknowledged> acks) {
        for (SimKvClient.Acknowledged a : acks) {
            Applied at = applied.get(a.result().revision());
            String what = "client " + a.client() + "'s " + a.input() + ", acknowledged with " + a.result();
            if (at == null || at.command() == null) {
                throw new AssertionError(what + ": the log holds no command at revision " + a.result().revision());
            }
            if (!new KvCommand(0, 0, 0, at.command().request()).equals(new KvCommand(0, 0, 0, a.command().request()))) {
                throw new AssertionError(what + ": the log holds " + at.command() + " at that revision");
            }
            if (!at.result().equals(a.result())) {
                throw new AssertionError(what + ": the log's answer there was " + at.result());
            }
        }
        return acks.size();
    }

    /**
     * Every range read saw exactly the log's keys under its prefix at the revision of the view it read, and that
     * revision is at least that of every write acknowledged (to any client) before the read was issued. Returns how
     * many were checked.
     */
    public int checkRangeReads(List<SimKvClient.RangeRead> reads, List<SimKvClient.Acknowledged> acks) {
        List<SimKvClient.Acknowledged> byReturn = new ArrayList<>(acks);
        byReturn.sort(Comparator.comparingLong(SimKvClient.Acknowledged::returnNanos));
        List<SimKvClient.RangeRead> byCall = new ArrayList<>(reads);
        byCall.sort(Comparator.comparingLong(SimKvClient.RangeRead::callNanos));
        int k = 0;
        SimKvClient.Acknowledged newest = null;
        for (SimKvClient.RangeRead r : byCall) {
            while (k < byReturn.size() && byReturn.get(k).returnNanos() < r.callNanos()) {
                SimKvClient.Acknowledged a = byReturn.get(k++);
                if (newest == null || a.result().revision() > newest.result().revision()) {
                    newest = a;
                }
            }
            String what = "client " + r.client() + "'s range read of '" + r.prefix() + "' at revision " + r.revision()
                    + " (issued at " + r.callNanos() / 1_000_000 + " ms)";
            if (newest != null && r.revision() < newest.result().revision()) {
                throw new AssertionError(what + " misses client " + newest.client() + "'s " + newest.input()
                        + ", acknowledged at revision " + newest.result().revision() + " before the read was issued");
            }
            if (r.revision() > revision()) {
                throw new AssertionError(what + ": no node applied that revision");
            }
            TreeMap<String, String> expected = new TreeMap<>();
            viewAt(r.revision()).range(r.prefix()).forEach((key, v) -> expected.put(key,
                    new String(v.value(), java.nio.charset.StandardCharsets.UTF_8)));
            if (!expected.equals(r.entries())) {
                throw new AssertionError(what + " saw " + r.entries() + "; the log's view at that revision holds " + expected);
            }
        }
        return reads.size();
    }

    // ------------------------------------------------------------------ what the nodes report

    /** Node life {@code node}'s store ({@code "n2#3"}), reporting to this truth. */
    ObservedStore wrap(KvStateMachine store, String node) {
        return new ObservedStore(this, store, node);
    }

    /**
     * A node's {@link KvStateMachine} as the simulated node runs it: every command it applies, and the view it publishes
     * after each batch or snapshot restore, reach the truth. Snapshots are the store's own.
     */
    public static final class ObservedStore implements io.tally.raft.StateMachine<KvResult> {
        private final KvTruth truth;
        private final KvStateMachine store;
        private final String node;

        private ObservedStore(KvTruth truth, KvStateMachine store, String node) {
            this.truth = truth;
            this.store = store;
            this.node = node;
        }

        /** The store itself (what the node's {@code KvService} serves). */
        public KvStateMachine store() {
            return store;
        }

        /** The node life it belongs to, as {@code "n2#3"}. */
        public String node() {
            return node;
        }

        @Override
        public List<KvResult> apply(List<Command> commands) {
            List<KvResult> results = store.apply(commands);
            for (int k = 0; k < commands.size(); k++) {
                truth.applied(node, commands.get(k), results.get(k));
            }
            truth.published(node, store.view(), "after applying up to index " + commands.get(commands.size() - 1).index());
            return results;
        }

        @Override
        public Snapshot snapshot() {
            return store.snapshot();
        }

        @Override
        public void restore(java.io.InputStream in) throws java.io.IOException {
            store.restore(in);
            truth.published(node, store.view(), "restored from a snapshot");
        }
    }

    private void applied(String node, Command c, KvResult result) {
        byte[] known = data.get(c.index());
        if (known != null) {
            if (!Arrays.equals(known, c.data())) {
                violation(node + " applied a different command at index " + c.index() + " than " + applied.get(c.index()).firstBy()
                        + ": " + describe(c.data()) + " vs " + describe(known));
            } else if (!Objects.equals(result, applied.get(c.index()).result())) {
                violation(node + " answered " + result + " for index " + c.index() + " (" + describe(c.data())
                        + "), the replica " + applied.get(c.index()).result());
            }
            return;
        }
        if (!data.isEmpty() && c.index() <= data.lastKey()) {
            violation(node + " applied index " + c.index() + " first, after index " + data.lastKey() + ": a command was skipped");
        }
        data.put(c.index(), c.data().clone());
        KvView before = replica.view();
        KvResult r = replica.apply(List.of(c)).get(0);
        KvView after = replica.view();
        views.put(after.revision(), after);
        diff(before, after, after.revision());
        KvCommand cmd = null;
        try {
            cmd = KvCommand.decode(c.data());
        } catch (IllegalArgumentException e) {
            // a legacy or malformed entry: the replica decided what it means
        }
        Applied a = new Applied(c.index(), cmd, r, node, sim().nowNanos());
        applied.put(c.index(), a);
        if (!Objects.equals(result, r)) {
            violation(node + " answered " + result + " for index " + c.index() + " (" + cmd + "), the replica " + r);
        }
        for (Consumer<Applied> l : listeners) {
            l.accept(a);
        }
    }

    private void published(String node, KvView view, String when) {
        viewsChecked++;
        KvView expected = views.get(view.revision());
        if (expected == null) {
            violation(node + " published revision " + view.revision() + " " + when + ", which no command produced");
            return;
        }
        String d = difference(expected, view);
        if (d != null) {
            violation(node + "'s view at revision " + view.revision() + " " + when + " differs from the log's: " + d);
        }
    }

    private void violation(String message) {
        String m = "at " + sim().nowNanos() / 1_000_000 + " ms: " + message;
        violations.add(m);
        if (violations.size() == 1) {
            AssertionError e = new AssertionError("the cluster's state contradicts its log: " + m);
            sim().schedule(0, "truth violated", () -> {
                throw e;
            });
        }
    }

    private static String describe(byte[] data) {
        try {
            return KvCommand.decode(data).toString();
        } catch (IllegalArgumentException e) {
            return data.length + " bytes";
        }
    }

    // ------------------------------------------------------------------ events and views

    /** The events of one revision, from the views before and after it, in key order. */
    private void diff(KvView before, KvView after, long revision) {
        Iterator<Map.Entry<String, Versioned>> a = before.range("").entrySet().iterator();
        Iterator<Map.Entry<String, Versioned>> b = after.range("").entrySet().iterator();
        Map.Entry<String, Versioned> x = a.hasNext() ? a.next() : null;
        Map.Entry<String, Versioned> y = b.hasNext() ? b.next() : null;
        while (x != null || y != null) {
            int cmp = x == null ? 1 : y == null ? -1 : x.getKey().compareTo(y.getKey());
            if (cmp < 0) {
                events.add(deleted(revision, x.getKey(), x.getValue()));
                x = a.hasNext() ? a.next() : null;
            } else if (cmp > 0) {
                events.add(put(revision, y.getKey(), y.getValue()));
                y = b.hasNext() ? b.next() : null;
            } else {
                if (!x.getValue().equals(y.getValue())) {
                    events.add(put(revision, y.getKey(), y.getValue()));
                }
                x = a.hasNext() ? a.next() : null;
                y = b.hasNext() ? b.next() : null;
            }
        }
    }

    private WatchEvent put(long revision, String key, Versioned v) {
        if (v.version() != revision) {
            violation("the replica changed key '" + key + "' at revision " + revision + " to version " + v.version());
        }
        return new WatchEvent(revision, WatchEvent.Type.PUT, key, v.value(), v.version(), v.lease());
    }

    private static WatchEvent deleted(long revision, String key, Versioned old) {
        return new WatchEvent(revision, WatchEvent.Type.DELETE, key, null, old.version(), old.lease());
    }

    /** Null when the two views hold the same keys (values, versions, creations, leases) and leases; else the first difference. */
    public static String difference(KvView expected, KvView actual) {
        Map<String, Versioned> x = expected.range("");
        Map<String, Versioned> y = actual.range("");
        if (!x.equals(y)) {
            Set<String> keys = new java.util.TreeSet<>(x.keySet());
            keys.addAll(y.keySet());
            for (String k : keys) {
                if (!Objects.equals(x.get(k), y.get(k))) {
                    return "key '" + k + "': expected " + show(x.get(k)) + ", found " + show(y.get(k));
                }
            }
        }
        Set<Long> ids = new HashSet<>(expected.leaseIds());
        ids.addAll(actual.leaseIds());
        List<Long> sorted = new ArrayList<>(ids);
        sorted.sort(Comparator.naturalOrder());
        for (long id : sorted) {
            Lease l = expected.lease(id).orElse(null);
            Lease m = actual.lease(id).orElse(null);
            if (l == null || m == null || l.ttlMillis() != m.ttlMillis() || !l.keys().equals(m.keys())) {
                return "lease " + id + ": expected " + l + (l == null ? "" : " " + l.keys()) + ", found " + m
                        + (m == null ? "" : " " + m.keys());
            }
        }
        return null;
    }

    static String show(Versioned v) {
        return v == null ? "absent" : "'" + new String(v.value(), java.nio.charset.StandardCharsets.UTF_8) + "' (version "
                + v.version() + ", created " + v.created() + (v.lease() == 0 ? "" : ", lease " + v.lease()) + ")";
    }

    /** Every revision's replica view (for checkers that walk the history). */
    NavigableMap<Long, KvView> views() {
        return Collections.unmodifiableNavigableMap(views);
    }
}
