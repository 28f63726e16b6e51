package io.tally.raft.storage;

import io.tally.raft.model.Entry;

import java.io.IOException;
import java.util.List;

/**
 * Durable storage of log entries. Called from one thread at a time (the node's log writer, or the node
 * while it starts), so implementations need no internal locking for the node's sake.
 *
 * <p>Indexes are contiguous from {@link #firstIndex()} to {@link #lastIndex()}. An empty store reports
 * firstIndex = lastIndex + 1. Appends may be buffered until {@link #sync()}; only synced entries are
 * required to survive a crash. Any {@link IOException} is fatal to the node that sees it.
 */
public interface LogStore extends AutoCloseable {

    /** Index of the first stored entry; lastIndex + 1 when the store is empty. */
    long firstIndex();

    /** Index of the last stored entry; firstIndex - 1 when the store is empty. */
    long lastIndex();

    /** Entries with index in [from, toExclusive), all of which must be stored. */
    List<Entry> read(long from, long toExclusive) throws IOException;

    /** Appends entries whose first index is lastIndex + 1 (or any index when the store is empty). */
    void append(List<Entry> entries) throws IOException;

    /** Removes every entry with index >= fromIndex (conflicting tail, §5.3). */
    void truncateSuffix(long fromIndex) throws IOException;

    /** Removes every entry with index &lt;= upToIndex (after a snapshot covers them, §7). */
    void truncatePrefix(long upToIndex) throws IOException;

    /** Makes every earlier append and truncation durable. */
    void sync() throws IOException;

    @Override
    void close() throws IOException;
}
