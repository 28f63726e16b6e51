package io.tally.kv;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * A watch registered with a {@link WatchHub}: its filter and where it stands. Its state is guarded by the hub; its
 * listener runs on its executor.
 */
public final class Watch {

    final WatchHub hub;
    final KeyFilter filter;
    final Executor executor;
    final WatchListener listener;
    /**
     * While synced: the lowest revision still wanted (events below it are skipped); every matching event of the
     * hub's revisions is either delivered or in {@link #queue}. While not synced: the first revision not yet read
     * from the history; every matching event before it has been delivered or is in flight.
     */
    long next;
    boolean synced;
    final ArrayDeque<WatchEvent> queue = new ArrayDeque<>();
    boolean scheduled;
    boolean suspended;
    boolean closed;
    /** Whether anything was delivered since the hub's last progress round. */
    boolean sentSinceTick;

    Watch(WatchHub hub, KeyFilter filter, long from, Executor executor, WatchListener listener) {
        this.hub = hub;
        this.filter = filter;
        this.next = from;
        this.executor = executor;
        this.listener = listener;
    }

    public KeyFilter filter() {
        return filter;
    }

    /** Stops the watch; no call reaches the listener after this returns, except one already running. */
    public void cancel() {
        hub.cancel(this);
    }

    /** Holds deliveries (the listener's consumer is full); events wait, or are read from the history later. */
    public void suspend() {
        hub.suspend(this);
    }

    /** Resumes deliveries after {@link #suspend}. */
    public void resume() {
        hub.resume(this);
    }
}
