package io.tally.testkit.kv;

import io.tally.kv.KeyFilter;
import io.tally.kv.KvService;
import io.tally.kv.Versioned;
import io.tally.kv.Watch;
import io.tally.kv.WatchEvent;
import io.tally.kv.WatchListener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Checks what watches delivered against what the cluster committed ({@link KvTruth}): for every watcher, the events
 * it received are exactly the events of the log under its key or prefix from its start revision to where it stands,
 * in revision order, none missing, none twice, each with the right revision, type, key, value, version and lease.
 *
 * <p>How each defect shows:
 * <ul>
 *   <li>a lost event (dropped by the hub, or skipped on a reconnect): the log's revision is missing from what was
 *       delivered;</li>
 *   <li>an event delivered twice (a reconnect that resumes too early, a drain that overlaps): the revision holds more
 *       events than the log's, or comes again after a later one;</li>
 *   <li>reordered events: a revision delivered after a later one;</li>
 *   <li>an event of a write that never committed, or at a wrong revision, or with a wrong value: it is not the log's
 *       event at that revision.</li>
 * </ul>
 * Within one revision events are compared in key order (a revision holds at most one event per key).
 *
 * <p>The truth is itself held to the cluster: {@link KvTruth} compares every view every node publishes with its
 * replica's as it goes; here, a watcher of every key from revision 1 must rebuild, by replaying its events, exactly
 * every node's final view (keys, values, versions, creation revisions, leases), and every node's own event history,
 * read by a fresh watch from the oldest revision it holds, must be the log's.
 */
public final class WatchChecker {

    private WatchChecker() {
    }

    /**
     * Null when {@code delivered} is exactly the events of {@code truth} (all events, in revision order) that match
     * {@code filter}, of revisions {@code from} to {@code next - 1} outside {@code gaps}; otherwise what is wrong.
     */
    public static String compare(List<WatchEvent> truth, KeyFilter filter, long from, long next,
                                 List<SimWatcher.Gap> gaps, List<SimWatcher.Delivered> delivered) {
        TreeMap<Long, List<WatchEvent>> expected = new TreeMap<>();
        for (WatchEvent e : truth) {
            if (e.revision() >= from && e.revision() < next && filter.matches(e.key()) && !inGap(gaps, e.revision())) {
                expected.computeIfAbsent(e.revision(), r -> new ArrayList<>()).add(e);
            }
        }
        // Runs of one revision, in delivery order.
        List<List<SimWatcher.Delivered>> runs = new ArrayList<>();
        long previous = -1;
        SimWatcher.Delivered previousEvent = null;
        for (SimWatcher.Delivered d : delivered) {
            long r = d.event().revision();
            if (r < previous) {
                return "reordered: revision " + r + " (" + show(d.event()) + ", " + where(d) + ") was delivered after revision "
                        + previous + " (" + show(previousEvent.event()) + ", " + where(previousEvent) + ")";
            }
            if (r != previous) {
                runs.add(new ArrayList<>());
            }
            runs.get(runs.size() - 1).add(d);
            previous = r;
            previousEvent = d;
        }
        SimWatcher.Delivered last = null;
        for (List<SimWatcher.Delivered> run : runs) {
            long r = run.get(0).event().revision();
            Map.Entry<Long, List<WatchEvent>> want = expected.firstEntry();
            if (want != null && want.getKey() < r) {
                return "lost: revision " + want.getKey() + "'s " + showAll(want.getValue()) + " never arrived; the watcher got "
                        + (last == null ? "nothing before" : "revision " + last.event().revision() + " (" + where(last)
                        + ") and then") + " revision " + r + " (" + where(run.get(0)) + ")";
            }
            List<WatchEvent> got = new ArrayList<>();
            run.forEach(d -> got.add(d.event()));
            got.sort(Comparator.comparing(WatchEvent::key));
            if (want == null || want.getKey() > r) {
                return "not in the log: revision " + r + " delivered " + showAll(got) + " (" + where(run.get(0))
                        + "), but the log has no event " + (r < from ? "wanted (the watch starts at " + from + ")"
                        : "under " + filter + " at that revision" + (inGap(gaps, r) ? " (a gap)" : ""))
                        + "; " + logAt(truth, r);
            }
            if (!got.equals(want.getValue())) {
                boolean twice = got.size() > want.getValue().size() && new java.util.HashSet<>(got).size() < got.size();
                return (twice ? "twice: " : "wrong: ") + "revision " + r + " delivered " + showAll(got) + " (" + whereAll(run)
                        + "); the log's: " + showAll(want.getValue());
            }
            expected.remove(r);
            last = run.get(run.size() - 1);
        }
        if (!expected.isEmpty()) {
            Map.Entry<Long, List<WatchEvent>> want = expected.firstEntry();
            return "lost: revision " + want.getKey() + "'s " + showAll(want.getValue()) + " never arrived, though the watcher "
                    + "claims to have seen everything before revision " + next + (last == null ? ""
                    : " (last delivered: revision " + last.event().revision() + ", " + where(last) + ")");
        }
        return null;
    }

    private static boolean inGap(List<SimWatcher.Gap> gaps, long revision) {
        for (SimWatcher.Gap g : gaps) {
            if (revision >= g.from() && revision < g.to()) {
                return true;
            }
        }
        return false;
    }

    private static String logAt(List<WatchEvent> truth, long r) {
        List<WatchEvent> at = new ArrayList<>();
        for (WatchEvent e : truth) {
            if (e.revision() == r) {
                at.add(e);
            }
        }
        return "the log's events at " + r + ": " + showAll(at);
    }

    private static String where(SimWatcher.Delivered d) {
        SimWatcher.Connection c = d.by();
        return "connection " + c.number() + " to " + c.node() + " from revision " + c.from();
    }

    private static String whereAll(List<SimWatcher.Delivered> run) {
        List<String> ws = new ArrayList<>();
        for (SimWatcher.Delivered d : run) {
            String w = where(d);
            if (!ws.contains(w)) {
                ws.add(w);
            }
        }
        return String.join("; ", ws);
    }

    static String show(WatchEvent e) {
        return e.type() == WatchEvent.Type.PUT
                ? "put " + e.key() + "='" + new String(e.value(), StandardCharsets.UTF_8) + "' v" + e.version()
                + (e.lease() == 0 ? "" : " lease " + e.lease())
                : "delete " + e.key() + " (was v" + e.version() + (e.lease() == 0 ? "" : ", lease " + e.lease()) + ")";
    }

    private static String showAll(List<WatchEvent> events) {
        List<String> s = new ArrayList<>();
        events.forEach(e -> s.add(show(e)));
        return s.toString();
    }

    // ------------------------------------------------------------------ a whole run

    /**
     * After a run, once every running node has applied {@code finalRevision} and every watcher stands past it: the
     * truth's own checks, every watcher against the truth, every full watcher (every key, from revision 1, no gap)
     * rebuilding every running node's final view, and every running node's event history. Throws an AssertionError
     * naming the first thing wrong; returns a summary.
     */
    public static String checkAll(KvSimCluster c, List<SimWatcher> watchers, long finalRevision) {
        KvTruth truth = c.truth();
        truth.check();
        List<WatchEvent> events = truth.events();
        long delivered = 0;
        for (SimWatcher w : watchers) {
            if (!w.protocolErrors().isEmpty()) {
                throw new AssertionError(w.name() + ": " + w.protocolErrors().get(0));
            }
            if (w.next() <= finalRevision) {
                throw new AssertionError(w + " stands at revision " + (w.next() - 1) + ", short of the final revision "
                        + finalRevision);
            }
            String wrong = compare(events, w.filter(), w.from(), w.next(), w.gaps(), w.delivered());
            if (wrong != null) {
                throw new AssertionError("watcher '" + w.name() + "' (" + w.filter() + " from revision " + w.from() + "): "
                        + wrong);
            }
            delivered += w.delivered().size();
            if (w.filter().prefix() && w.filter().key().isEmpty() && w.from() == 1 && w.gaps().isEmpty()) {
                rebuild(c, w);
            }
        }
        int histories = 0;
        for (int i = 0; i < c.size(); i++) {
            if (c.isUp(i)) {
                checkHistory(c, i, finalRevision);
                histories++;
            }
        }
        return watchers.size() + " watchers, " + delivered + " events delivered, all as logged; " + histories
                + " nodes' event histories as logged; " + truth.viewsChecked() + " published views checked";
    }

    /** Replays watcher {@code w}'s events (every key, from revision 1) and compares with every running node's view. */
    private static void rebuild(KvSimCluster c, SimWatcher w) {
        TreeMap<String, Versioned> state = new TreeMap<>();
        for (SimWatcher.Delivered d : w.delivered()) {
            WatchEvent e = d.event();
            if (e.type() == WatchEvent.Type.PUT) {
                Versioned old = state.get(e.key());
                state.put(e.key(), new Versioned(e.value(), e.version(), old == null ? e.revision() : old.created(), e.lease()));
            } else {
                state.remove(e.key());
            }
        }
        for (int i = 0; i < c.size(); i++) {
            KvService s = c.service(i);
            if (s == null) {
                continue;
            }
            Map<String, Versioned> actual = s.store().view().range("");
            if (!state.equals(actual)) {
                java.util.Set<String> keys = new java.util.TreeSet<>(state.keySet());
                keys.addAll(actual.keySet());
                for (String k : keys) {
                    if (!Objects.equals(state.get(k), actual.get(k))) {
                        throw new AssertionError("watcher '" + w.name() + "''s events rebuild key '" + k + "' as "
                                + KvTruth.show(state.get(k)) + ", but " + c.incarnationName(i) + " holds "
                                + KvTruth.show(actual.get(k)));
                    }
                }
            }
        }
    }

    /** Node {@code i}'s event history, read by a fresh watch of every key from the oldest revision it holds. */
    private static void checkHistory(KvSimCluster c, int i, long finalRevision) {
        KvService s = c.service(i);
        long oldest = s.watches().oldest();
        List<WatchEvent> got = new ArrayList<>();
        Watch w = s.watches().watch(KeyFilter.prefix(""), oldest, Runnable::run, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                got.addAll(events);
            }

            @Override
            public void onCompacted(long o) {
                throw new AssertionError(c.incarnationName(i) + " says revision " + oldest + " is its oldest, then that "
                        + o + " is");
            }
        });
        w.cancel();
        got.removeIf(e -> e.revision() > finalRevision);
        List<WatchEvent> want = c.truth().events(oldest, finalRevision);
        List<SimWatcher.Delivered> asDelivered = new ArrayList<>();
        SimWatcher.Connection conn = new SimWatcher.Connection(1, c.incarnationName(i) + "'s history", oldest, 0);
        got.forEach(e -> asDelivered.add(new SimWatcher.Delivered(e, conn)));
        String wrong = compare(want, KeyFilter.prefix(""), oldest, finalRevision + 1, List.of(), asDelivered);
        if (wrong != null) {
            throw new AssertionError(c.incarnationName(i) + "'s event history (from revision " + oldest + "): " + wrong);
        }
    }
}
