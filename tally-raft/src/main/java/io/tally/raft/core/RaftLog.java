package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * The core's in-memory view of the log: every entry after the last snapshot, whether durable yet or not,
 * plus the durable watermark ({@link #stableIndex()}). Pure data; no I/O.
 *
 * <p>Invariants: entries are contiguous from {@code snapshotIndex + 1}; terms never decrease along the log;
 * {@code stableIndex <= lastIndex()}. The configuration in force is the last CONFIGURATION entry in the log,
 * or the snapshot's (thesis §4.1: a configuration takes effect as soon as it is in the log).
 */
public final class RaftLog {

    private long snapshotIndex;
    private long snapshotTerm;
    private Configuration snapshotConfig;
    private final ArrayList<Entry> entries = new ArrayList<>();
    /** Indexes of CONFIGURATION entries currently in {@link #entries}, ascending. */
    private final ArrayList<Long> configIndexes = new ArrayList<>();
    private long stableIndex;

    /** A log recovered from storage: everything passed in is durable. */
    public RaftLog(long snapshotIndex, long snapshotTerm, Configuration snapshotConfig, List<Entry> durable) {
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        this.snapshotConfig = snapshotConfig == null ? Configuration.EMPTY : snapshotConfig;
        long expected = snapshotIndex + 1;
        for (Entry e : durable) {
            if (e.index() != expected) {
                throw new IllegalArgumentException("log is not contiguous: expected index " + expected + " but found " + e.index());
            }
            appendOne(e);
            expected++;
        }
        this.stableIndex = lastIndex();
    }

    public long snapshotIndex() {
        return snapshotIndex;
    }

    public long snapshotTerm() {
        return snapshotTerm;
    }

    public long firstIndex() {
        return snapshotIndex + 1;
    }

    public long lastIndex() {
        return snapshotIndex + entries.size();
    }

    public long lastTerm() {
        return entries.isEmpty() ? snapshotTerm : entries.get(entries.size() - 1).term();
    }

    /** Highest index known durable on this node's disk. */
    public long stableIndex() {
        return stableIndex;
    }

    public boolean isEmpty() {
        return lastIndex() == 0;
    }

    /** Term of the entry at {@code index}; 0 for index 0; -1 when unknown (compacted or beyond the end). */
    public long term(long index) {
        if (index == snapshotIndex) {
            return snapshotTerm;
        }
        if (index < snapshotIndex || index > lastIndex()) {
            return index == 0 ? 0 : -1;
        }
        return entries.get((int) (index - snapshotIndex - 1)).term();
    }

    public Entry entry(long index) {
        if (index <= snapshotIndex || index > lastIndex()) {
            throw new IllegalArgumentException("entry " + index + " is not in the log [" + firstIndex() + ", " + lastIndex() + "]");
        }
        return entries.get((int) (index - snapshotIndex - 1));
    }

    /** Whether the log holds an entry at {@code index} with {@code term} (the AppendEntries consistency check, §5.3). */
    public boolean matches(long index, long term) {
        return term(index) == term;
    }

    /**
     * Entries in [from, toExclusive), stopping early once {@code maxBytes} is exceeded (at least one entry is
     * returned when the range is not empty).
     */
    public List<Entry> slice(long from, long toExclusive, long maxBytes) {
        return slice(from, toExclusive, maxBytes, Integer.MAX_VALUE);
    }

    /** As {@link #slice(long, long, long)}, and at most {@code maxEntries} entries. */
    public List<Entry> slice(long from, long toExclusive, long maxBytes, int maxEntries) {
        if (from <= snapshotIndex) {
            throw new IllegalArgumentException("entries before " + firstIndex() + " are compacted");
        }
        long to = Math.min(Math.min(toExclusive, lastIndex() + 1), from + maxEntries);
        if (from >= to) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            Entry e = entries.get((int) (i - snapshotIndex - 1));
            bytes += e.sizeBytes();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    /** Appends one entry; its index must be lastIndex + 1 and its term at least lastTerm. */
    public void append(Entry e) {
        if (e.index() != lastIndex() + 1) {
            throw new IllegalStateException("append at " + e.index() + " but last index is " + lastIndex());
        }
        if (e.term() < lastTerm()) {
            throw new IllegalStateException("append of term " + e.term() + " after term " + lastTerm());
        }
        appendOne(e);
    }

    private void appendOne(Entry e) {
        entries.add(e);
        if (e.type() == EntryType.CONFIGURATION) {
            configIndexes.add(e.index());
        }
    }

    /**
     * Discards the entries up to and including {@code index}, which a durable snapshot covers (§7); the entry's
     * term and the configuration in force there are kept as the log's new base.
     */
    public void compactTo(long index) {
        if (index <= snapshotIndex) {
            return;
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("cannot compact to " + index + ": the log ends at " + lastIndex());
        }
        long t = term(index);
        Configuration c = configurationAtOrBelow(index);
        entries.subList(0, (int) (index - snapshotIndex)).clear();
        configIndexes.removeIf(ci -> ci <= index);
        snapshotIndex = index;
        snapshotTerm = t;
        snapshotConfig = c;
        stableIndex = Math.max(stableIndex, index);
    }

    /**
     * Makes a snapshot received from the leader the log's base (§7, InstallSnapshot): if the log holds the
     * snapshot's last entry (same index and term), the entries after it are kept; otherwise the whole log is
     * discarded. Returns whether a suffix was kept.
     */
    public boolean installSnapshot(long index, long term, Configuration config) {
        if (index > snapshotIndex && index <= lastIndex() && term(index) == term) {
            compactTo(index);
            snapshotConfig = config;
            return true;
        }
        entries.clear();
        configIndexes.clear();
        snapshotIndex = index;
        snapshotTerm = term;
        snapshotConfig = config;
        stableIndex = index; // the snapshot itself is durable
        return false;
    }

    /** The configuration of the log's base (the last snapshot's). */
    public Configuration snapshotConfiguration() {
        return snapshotConfig;
    }

    /** Removes every entry with index >= {@code from}; the durable watermark drops with it. */
    public void truncateFrom(long from) {
        if (from <= snapshotIndex) {
            throw new IllegalStateException("cannot truncate at " + from + ": covered by snapshot at " + snapshotIndex);
        }
        int keep = (int) (from - snapshotIndex - 1);
        if (keep < entries.size()) {
            entries.subList(keep, entries.size()).clear();
        }
        while (!configIndexes.isEmpty() && configIndexes.get(configIndexes.size() - 1) >= from) {
            configIndexes.remove(configIndexes.size() - 1);
        }
        stableIndex = Math.min(stableIndex, from - 1);
    }

    /**
     * Records that the log writer made entries up to (index, term) durable. Ignored when the entry at
     * {@code index} no longer has {@code term}: it was truncated after the write was issued, and by the
     * log matching property any surviving entry with that index and term proves the whole prefix durable.
     */
    public boolean stableTo(long index, long term) {
        if (index > stableIndex && index <= lastIndex() && term(index) == term) {
            stableIndex = index;
            return true;
        }
        return false;
    }

    /** The last index holding {@code term} at or below {@code atOrBelow}, or -1 when the log has none. */
    public long lastIndexOfTerm(long term, long atOrBelow) {
        for (long i = Math.min(atOrBelow, lastIndex()); i > snapshotIndex; i--) {
            long t = term(i);
            if (t == term) {
                return i;
            }
            if (t < term) {
                return -1;
            }
        }
        return -1;
    }

    /** The first index of the run of entries with the same term as the entry at {@code index}. */
    public long firstIndexOfTermAt(long index) {
        long t = term(index);
        long i = index;
        while (i - 1 > snapshotIndex && term(i - 1) == t) {
            i--;
        }
        return i;
    }

    /** Whether a candidate's log (lastTerm, lastIndex) is at least as up to date as ours (§5.4.1). */
    public boolean isUpToDate(long candidateLastIndex, long candidateLastTerm) {
        return candidateLastTerm > lastTerm() || (candidateLastTerm == lastTerm() && candidateLastIndex >= lastIndex());
    }

    /** The latest configuration in the log (committed or not). */
    public Configuration latestConfiguration() {
        return configurationAtOrBelow(Long.MAX_VALUE);
    }

    /** Index of the entry holding the latest configuration (the snapshot index if it came from the snapshot). */
    public long latestConfigurationIndex() {
        return configIndexes.isEmpty() ? snapshotIndex : configIndexes.get(configIndexes.size() - 1);
    }

    /** Index of the last configuration entry at or below {@code index} (the snapshot index if none is). */
    public long configurationIndexAtOrBelow(long index) {
        for (int i = configIndexes.size() - 1; i >= 0; i--) {
            if (configIndexes.get(i) <= index) {
                return configIndexes.get(i);
            }
        }
        return snapshotIndex;
    }

    /** The configuration in force at {@code index}: the last configuration entry at or below it. */
    public Configuration configurationAtOrBelow(long index) {
        for (int i = configIndexes.size() - 1; i >= 0; i--) {
            long ci = configIndexes.get(i);
            if (ci <= index) {
                return ConfigurationCodec.decode(entry(ci).data());
            }
        }
        return snapshotConfig;
    }
}
