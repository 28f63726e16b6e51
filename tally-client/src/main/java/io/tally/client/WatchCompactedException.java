package io.tally.client;

/**
 * A watch asked for revisions older than the history the cluster keeps (status 410, {@code compacted}), at its start
 * or after it fell behind. Nothing is lost that a read cannot give back: read the current state, then watch again from
 * its revision + 1.
 */
public final class WatchCompactedException extends TallyException {

    private static final long serialVersionUID = 1L;
    private final long oldest;

    public WatchCompactedException(long oldest, String message) {
        super(410, "compacted", message);
        this.oldest = oldest;
    }

    /** The oldest revision the serving node could still watch from. */
    public long oldest() {
        return oldest;
    }
}
