package io.tally.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * The events of the last {@code retainRevisions} revisions, in revision order, from which watches start and catch
 * up. Not thread-safe: the {@link WatchHub} that owns it guards it.
 *
 * <p>Invariants: every event with revision {@code >= oldest()} and {@code <= revision()} is held, in order; after a
 * command at revision r is appended, {@code oldest() >= r - retainRevisions + 1}. Which revisions are dropped depends
 * only on the revisions applied, so replicas with the same retention hold the same history, and a snapshot carries it.
 */
final class EventHistory {

    private final long retainRevisions;
    private WatchEvent[] ring = new WatchEvent[256];
    private int head;
    private int size;
    private long oldest = 1;
    private long revision;

    EventHistory(long retainRevisions) {
        if (retainRevisions < 1) {
            throw new IllegalArgumentException("the history keeps at least one revision, not " + retainRevisions);
        }
        this.retainRevisions = retainRevisions;
    }

    long retainRevisions() {
        return retainRevisions;
    }

    /** The oldest revision from which every event is held: a watch may start there or later. */
    long oldest() {
        return oldest;
    }

    /** The newest revision applied. */
    long revision() {
        return revision;
    }

    int size() {
        return size;
    }

    /** Appends the events of revisions up to {@code upTo} (possibly none), then drops what falls out of the window. */
    void append(long upTo, List<WatchEvent> events) {
        for (WatchEvent e : events) {
            if (e.revision() <= revision || e.revision() > upTo) {
                throw new IllegalStateException("event at revision " + e.revision() + " appended after " + revision
                        + ", up to " + upTo);
            }
            push(e);
        }
        revision = Math.max(revision, upTo);
        long cutoff = revision - retainRevisions;
        if (cutoff >= oldest) {
            while (size > 0 && at(0).revision() <= cutoff) {
                ring[head] = null;
                head = (head + 1) & (ring.length - 1);
                size--;
            }
            oldest = cutoff + 1;
        }
    }

    /** What a read found: the matching events, and the first revision it did not look at. */
    record Read(List<WatchEvent> events, long next) {
    }

    /**
     * The events matching {@code filter} from revision {@code from} (which must be {@code >= oldest()}), whole
     * revisions at a time, stopping once at least {@code max} are found.
     */
    Read read(long from, KeyFilter filter, int max) {
        if (from < oldest) {
            throw new IllegalArgumentException("revision " + from + " is compacted; the oldest held is " + oldest);
        }
        List<WatchEvent> out = new ArrayList<>();
        int i = firstAtOrAfter(from);
        long last = -1;
        for (; i < size; i++) {
            WatchEvent e = at(i);
            if (out.size() >= max && e.revision() != last) {
                return new Read(out, e.revision());
            }
            last = e.revision();
            if (filter.matches(e.key())) {
                out.add(e);
            }
        }
        return new Read(out, Math.max(from, revision + 1));
    }

    /** Everything held, oldest first (for a snapshot). */
    List<WatchEvent> events() {
        List<WatchEvent> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(at(i));
        }
        return out;
    }

    /** Replaces everything with a snapshot's history, as of {@code revision}. */
    void restore(long oldest, long revision, List<WatchEvent> events) {
        ring = new WatchEvent[256];
        head = 0;
        size = 0;
        this.revision = 0;
        for (WatchEvent e : events) {
            push(e);
        }
        this.oldest = oldest;
        this.revision = revision;
        append(revision, List.of()); // a node that keeps fewer revisions than the snapshot's maker drops the rest
    }

    private WatchEvent at(int i) {
        return ring[(head + i) & (ring.length - 1)];
    }

    private void push(WatchEvent e) {
        if (size == ring.length) {
            WatchEvent[] bigger = new WatchEvent[ring.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = at(i);
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + size) & (ring.length - 1)] = e;
        size++;
    }

    private int firstAtOrAfter(long rev) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (at(mid).revision() < rev) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
