package io.tally.kv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Delivers the store's events to watches: each watch gets every event under its key or prefix from its start
 * revision on, exactly once and in revision order, on its own executor, and no watch holds a thread.
 *
 * <p>Two ways an event reaches a watch (etcd's synced and unsynced watchers):
 * <ul>
 *   <li>A <em>synced</em> watch has seen everything up to the hub's revision. When the apply thread publishes a
 *       revision, its matching events go to the watch's queue, and a drain runs on the watch's executor.</li>
 *   <li>A watch that starts in the past, or whose queue outgrew {@link #maxQueued} (a slow consumer), is
 *       <em>unsynced</em>: its drains read the {@link EventHistory} from where it stands, a batch at a time, until it
 *       reaches the hub's revision and becomes synced. If the history no longer reaches back that far, the watch
 *       ends with {@link WatchListener#onCompacted}.</li>
 * </ul>
 * Drains of one watch never overlap (one is scheduled at a time) and take whole revisions, so a watch that falls
 * back to the history resumes at a revision boundary and sees nothing twice.
 *
 * <p>Thread-safety: everything is guarded by the hub's monitor; listeners are called outside it.
 */
public final class WatchHub {

    /** Events a synced watch may have queued before it falls back to reading the history. */
    static final int DEFAULT_MAX_QUEUED = 4096;
    static final int MAX_BATCH = 512;

    private final EventHistory history;
    private final int maxQueued;
    private final Map<String, Set<Watch>> byKey = new HashMap<>();
    private final Set<Watch> byPrefix = new LinkedHashSet<>();
    private final Set<Watch> all = new LinkedHashSet<>();
    private boolean closed;

    WatchHub(EventHistory history, int maxQueued) {
        if (maxQueued < 1) {
            throw new IllegalArgumentException("a watch queues at least one event, not " + maxQueued);
        }
        this.history = history;
        this.maxQueued = maxQueued;
    }

    /**
     * Starts a watch of {@code filter} from revision {@code from} (events of revisions {@code >= from}); a watch that
     * starts in the future waits. The listener runs on {@code executor}, which must run tasks one at a time in order
     * (a Netty channel's event loop, a serial executor, or the caller's thread in the simulator).
     */
    public Watch watch(KeyFilter filter, long from, Executor executor, WatchListener listener) {
        if (from < 1) {
            throw new IllegalArgumentException("a watch starts at revision 1 or later, not " + from);
        }
        Watch w = new Watch(this, filter, from, executor, listener);
        boolean ended;
        boolean drain = false;
        synchronized (this) {
            ended = closed;
            if (!ended) {
                all.add(w);
                w.sentSinceTick = true;
                if (from > history.revision()) {
                    sync(w);
                } else {
                    drain = schedule(w);
                }
            }
        }
        if (ended) {
            executor.execute(listener::onClosed);
        } else if (drain) {
            executor.execute(() -> drain(w));
        }
        return w;
    }

    /** The newest revision published. */
    public synchronized long revision() {
        return history.revision();
    }

    /** The oldest revision a watch may start from. */
    public synchronized long oldest() {
        return history.oldest();
    }

    /** How many watches run. */
    public synchronized int size() {
        return all.size();
    }

    /** The apply thread publishes the events of every revision up to {@code revision}, after the view holds them. */
    void publish(long revision, List<WatchEvent> events) {
        List<Watch> toDrain = new ArrayList<>();
        List<Watch> fellBehind = new ArrayList<>();
        synchronized (this) {
            history.append(revision, events);
            for (WatchEvent e : events) {
                Set<Watch> exact = byKey.get(e.key());
                if (exact != null) {
                    for (Watch w : exact) {
                        enqueue(w, e, toDrain, fellBehind);
                    }
                }
                for (Watch w : byPrefix) {
                    if (w.filter.matches(e.key())) {
                        enqueue(w, e, toDrain, fellBehind);
                    }
                }
            }
            fellBehind.forEach(this::unindex);
        }
        for (Watch w : toDrain) {
            w.executor.execute(() -> drain(w));
        }
    }

    /** The store was replaced by a snapshot: every watch goes back to reading the (new) history. */
    void restored(long oldest, long revision, List<WatchEvent> events) {
        List<Watch> toDrain = new ArrayList<>();
        synchronized (this) {
            long before = history.revision();
            history.restore(oldest, revision, events);
            for (Watch w : all) {
                if (w.synced) {
                    long from = w.queue.isEmpty() ? Math.max(w.next, before + 1) : w.queue.peekFirst().revision();
                    unsync(w, from);
                }
                if (schedule(w)) {
                    toDrain.add(w);
                }
            }
        }
        for (Watch w : toDrain) {
            w.executor.execute(() -> drain(w));
        }
    }

    /**
     * Tells every synced watch that has been sent nothing since the previous call the revision it has seen everything
     * up to ({@link WatchListener#onProgress}). Called every P seconds, an idle watch hears at least every P.
     */
    public void progress() {
        List<Watch> idle = new ArrayList<>();
        long revision;
        synchronized (this) {
            revision = history.revision();
            for (Watch w : all) {
                if (!w.sentSinceTick && w.synced && w.queue.isEmpty() && !w.suspended && !w.scheduled) {
                    idle.add(w);
                }
                w.sentSinceTick = false;
            }
        }
        for (Watch w : idle) {
            w.executor.execute(() -> {
                if (!isClosed(w)) {
                    w.listener.onProgress(revision);
                }
            });
        }
    }

    /** Ends every watch with {@link WatchListener#onClosed}; later watches end at once. */
    public void close() {
        List<Watch> ended;
        synchronized (this) {
            closed = true;
            ended = new ArrayList<>(all);
            for (Watch w : ended) {
                remove(w);
            }
        }
        for (Watch w : ended) {
            w.executor.execute(w.listener::onClosed);
        }
    }

    // ------------------------------------------------------------------ one watch

    private void drain(Watch w) {
        List<WatchEvent> batch = new ArrayList<>();
        long compacted = -1;
        boolean again;
        synchronized (this) {
            w.scheduled = false;
            if (w.closed || w.suspended) {
                return;
            }
            if (w.synced) {
                takeWholeRevisions(w, batch);
            } else if (w.next < history.oldest()) {
                compacted = history.oldest();
                remove(w);
            } else {
                EventHistory.Read r = history.read(w.next, w.filter, MAX_BATCH);
                batch.addAll(r.events());
                w.next = r.next();
                if (w.next > history.revision()) {
                    sync(w);
                }
            }
            if (!batch.isEmpty()) {
                w.sentSinceTick = true;
            }
            again = !w.closed && (!w.synced || !w.queue.isEmpty()) && schedule(w);
        }
        if (compacted >= 0) {
            w.listener.onCompacted(compacted);
            return;
        }
        if (!batch.isEmpty()) {
            w.listener.onEvents(batch);
        }
        if (again) {
            w.executor.execute(() -> drain(w));
        }
    }

    private void takeWholeRevisions(Watch w, List<WatchEvent> batch) {
        long last = -1;
        while (!w.queue.isEmpty() && (batch.size() < MAX_BATCH || w.queue.peekFirst().revision() == last)) {
            WatchEvent e = w.queue.pollFirst();
            last = e.revision();
            batch.add(e);
        }
    }

    /**
     * Queues {@code e} for synced watch {@code w}; if its queue is full, the watch falls back to the history
     * (unsynced; the caller unindexes it once it has finished iterating).
     */
    private void enqueue(Watch w, WatchEvent e, List<Watch> toDrain, List<Watch> fellBehind) {
        if (!w.synced || e.revision() < w.next) {
            return;
        }
        if (w.queue.size() >= maxQueued) {
            w.next = w.queue.peekFirst().revision(); // whole revisions are queued and drained: a boundary
            w.queue.clear();
            w.synced = false;
            fellBehind.add(w);
        } else {
            w.queue.addLast(e);
        }
        if (schedule(w)) {
            toDrain.add(w);
        }
    }

    /** Marks a drain of {@code w} as scheduled; false when one already is, or the watch cannot take one now. */
    private boolean schedule(Watch w) {
        if (w.scheduled || w.closed || w.suspended) {
            return false;
        }
        w.scheduled = true;
        return true;
    }

    private void sync(Watch w) {
        w.synced = true;
        if (w.filter.prefix()) {
            byPrefix.add(w);
        } else {
            byKey.computeIfAbsent(w.filter.key(), k -> new HashSet<>()).add(w);
        }
    }

    private void unsync(Watch w, long from) {
        unindex(w);
        w.synced = false;
        w.queue.clear();
        w.next = from;
    }

    private void unindex(Watch w) {
        if (w.filter.prefix()) {
            byPrefix.remove(w);
        } else {
            Set<Watch> s = byKey.get(w.filter.key());
            if (s != null) {
                s.remove(w);
                if (s.isEmpty()) {
                    byKey.remove(w.filter.key());
                }
            }
        }
    }

    private void remove(Watch w) {
        unindex(w);
        w.closed = true;
        w.queue.clear();
        all.remove(w);
    }

    synchronized void cancel(Watch w) {
        remove(w);
    }

    private synchronized boolean isClosed(Watch w) {
        return w.closed;
    }

    void suspend(Watch w) {
        synchronized (this) {
            w.suspended = true;
        }
    }

    void resume(Watch w) {
        boolean drain;
        synchronized (this) {
            w.suspended = false;
            drain = (!w.synced || !w.queue.isEmpty()) && schedule(w);
        }
        if (drain) {
            w.executor.execute(() -> drain(w));
        }
    }
}
