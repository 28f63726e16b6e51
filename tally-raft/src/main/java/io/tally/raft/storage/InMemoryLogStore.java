package io.tally.raft.storage;

import io.tally.raft.model.Entry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link LogStore} held in memory that models a disk with a page cache: appends and truncations are
 * visible to reads at once, but become durable only at {@link #sync()}. {@link #durableCopy()} yields
 * the state a crash would leave behind, which is how a simulator crashes a node.
 *
 * <p>Invariants, for both the visible and the durable state: entries are contiguous, the entry at list
 * position {@code i} has index {@code firstIndex + i}, and an empty state has lastIndex = firstIndex - 1.
 * The durable state always equals the visible state as of the last {@code sync()}; operations since then
 * are kept in a pending list and replayed onto the durable state at the next {@code sync()}, so a sync
 * costs time proportional to the work done since the previous one.
 *
 * <p>Entries are treated as immutable and shared between the two states and with copies. Public methods
 * are synchronized so that a test thread may inspect the store while a node writes to it. After
 * {@link #close()} mutating methods throw {@link IOException}; reads and copies keep working.
 */
public final class InMemoryLogStore implements LogStore {

    private final Segment visible;
    private final Segment durable;
    /** Operations applied to {@link #visible} but not yet to {@link #durable}, oldest first. */
    private final List<Op> pending = new ArrayList<>();
    private boolean closed;

    /** An empty store whose first append may start at any index. */
    public InMemoryLogStore() {
        this(new Segment());
    }

    private InMemoryLogStore(Segment state) {
        this.visible = state.copy();
        this.durable = state.copy();
    }

    @Override
    public synchronized long firstIndex() {
        return visible.firstIndex;
    }

    @Override
    public synchronized long lastIndex() {
        return visible.lastIndex();
    }

    /** The entry at {@code index}, which must be stored; O(1). */
    public synchronized Entry get(long index) {
        requireStored(index, index + 1);
        return visible.entries.get((int) (index - visible.firstIndex));
    }

    @Override
    public synchronized List<Entry> read(long from, long toExclusive) {
        requireStored(from, toExclusive);
        int start = (int) (from - visible.firstIndex);
        int end = (int) (toExclusive - visible.firstIndex);
        return List.copyOf(visible.entries.subList(start, end));
    }

    /**
     * Appends contiguous entries starting at lastIndex + 1, or at any index when the store is empty.
     *
     * @throws IllegalArgumentException if the entries are not contiguous or do not follow the last entry
     */
    @Override
    public synchronized void append(List<Entry> entries) throws IOException {
        Objects.requireNonNull(entries, "entries");
        ensureOpen();
        if (entries.isEmpty()) {
            return;
        }
        List<Entry> batch = List.copyOf(entries); // also rejects null elements
        long expected = visible.isEmpty() ? batch.get(0).index() : visible.lastIndex() + 1;
        for (Entry e : batch) {
            if (e.index() != expected) {
                throw new IllegalArgumentException("append must be contiguous from index " + expected
                        + " (store holds [" + visible.firstIndex + ", " + visible.lastIndex() + "]) but got entry "
                        + e.index());
            }
            expected++;
        }
        apply(new Append(batch));
    }

    /**
     * Removes every entry with index >= {@code fromIndex}. A {@code fromIndex} beyond the last entry is a
     * no-op; one at or below firstIndex empties the store without changing firstIndex.
     */
    @Override
    public synchronized void truncateSuffix(long fromIndex) throws IOException {
        if (fromIndex < 1) {
            throw new IllegalArgumentException("truncateSuffix index must be >= 1, was " + fromIndex);
        }
        ensureOpen();
        apply(new TruncateSuffix(fromIndex));
    }

    /**
     * Removes every entry with index &lt;= {@code upToIndex}. Below firstIndex it is a no-op; at or beyond
     * lastIndex it leaves an empty store whose firstIndex is {@code upToIndex + 1}.
     */
    @Override
    public synchronized void truncatePrefix(long upToIndex) throws IOException {
        if (upToIndex < 0) {
            throw new IllegalArgumentException("truncatePrefix index must be >= 0, was " + upToIndex);
        }
        ensureOpen();
        apply(new TruncatePrefix(upToIndex));
    }

    @Override
    public synchronized void sync() throws IOException {
        ensureOpen();
        for (Op op : pending) {
            durable.apply(op);
        }
        pending.clear();
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    /** A new, open, independent store holding exactly the state as of the last {@link #sync()}. */
    public synchronized InMemoryLogStore durableCopy() {
        return new InMemoryLogStore(durable);
    }

    /** Sum of {@link Entry#sizeBytes()} over the visible entries. */
    public synchronized long sizeBytes() {
        return visible.sizeBytes;
    }

    /** Sum of {@link Entry#sizeBytes()} over the durable (synced) entries. */
    public synchronized long durableSizeBytes() {
        return durable.sizeBytes;
    }

    @Override
    public synchronized String toString() {
        return "InMemoryLogStore{[" + visible.firstIndex + ", " + visible.lastIndex() + "], durable ["
                + durable.firstIndex + ", " + durable.lastIndex() + "]}";
    }

    private void apply(Op op) {
        visible.apply(op);
        pending.add(op);
    }

    private void requireStored(long from, long toExclusive) {
        if (from > toExclusive || from < visible.firstIndex || toExclusive > visible.lastIndex() + 1) {
            throw new IllegalArgumentException("cannot read [" + from + ", " + toExclusive + "): store holds ["
                    + visible.firstIndex + ", " + visible.lastIndex() + "]");
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("log store is closed");
        }
    }

    /** A mutation, recorded so it can be replayed onto the durable state at sync. */
    private sealed interface Op permits Append, TruncateSuffix, TruncatePrefix {
    }

    private record Append(List<Entry> entries) implements Op {
    }

    private record TruncateSuffix(long fromIndex) implements Op {
    }

    private record TruncatePrefix(long upToIndex) implements Op {
    }

    /** Contiguous entries starting at {@code firstIndex}; performs already-validated operations. */
    private static final class Segment {
        ArrayList<Entry> entries = new ArrayList<>();
        long firstIndex = 1;
        long sizeBytes;

        boolean isEmpty() {
            return entries.isEmpty();
        }

        long lastIndex() {
            return firstIndex + entries.size() - 1;
        }

        Segment copy() {
            Segment s = new Segment();
            s.entries = new ArrayList<>(entries);
            s.firstIndex = firstIndex;
            s.sizeBytes = sizeBytes;
            return s;
        }

        void apply(Op op) {
            if (op instanceof Append a) {
                if (entries.isEmpty()) {
                    firstIndex = a.entries().get(0).index();
                }
                entries.addAll(a.entries());
                for (Entry e : a.entries()) {
                    sizeBytes += e.sizeBytes();
                }
            } else if (op instanceof TruncateSuffix t) {
                if (t.fromIndex() > lastIndex()) {
                    return;
                }
                int keep = (int) Math.max(0, t.fromIndex() - firstIndex);
                List<Entry> tail = entries.subList(keep, entries.size());
                sizeBytes -= size(tail);
                tail.clear();
            } else if (op instanceof TruncatePrefix p) {
                if (p.upToIndex() < firstIndex) {
                    return;
                }
                if (p.upToIndex() >= lastIndex()) {
                    entries = new ArrayList<>();
                    sizeBytes = 0;
                } else {
                    int drop = (int) (p.upToIndex() - firstIndex + 1);
                    sizeBytes -= size(entries.subList(0, drop));
                    entries = new ArrayList<>(entries.subList(drop, entries.size()));
                }
                firstIndex = p.upToIndex() + 1;
            }
        }

        private static long size(List<Entry> es) {
            long n = 0;
            for (Entry e : es) {
                n += e.sizeBytes();
            }
            return n;
        }
    }
}
