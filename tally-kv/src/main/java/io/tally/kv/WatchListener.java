package io.tally.kv;

import java.util.List;

/**
 * Receives a watch's events. Called on the watch's executor, one call at a time and in order; calls must not block.
 * Exactly once per event, in revision order, with nothing left out, for as long as the watch runs.
 */
public interface WatchListener {

    /** The next events matching the watch, in revision order; never empty. */
    void onEvents(List<WatchEvent> events);

    /** Every matching event up to {@code revision} has been delivered, and the watch is idle. */
    default void onProgress(long revision) {
    }

    /**
     * The watch ends: it needs events older than the history holds ({@code oldest} is the oldest revision a new watch
     * may start from). Nothing follows.
     */
    default void onCompacted(long oldest) {
    }

    /** The watch ends because the node's store shut down; a client resumes elsewhere from its next revision. */
    default void onClosed() {
    }
}
