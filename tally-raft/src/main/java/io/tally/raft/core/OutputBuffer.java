package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.HardState;

import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.RaftMessage;

import java.util.ArrayList;
import java.util.List;

/** Accumulates the core's output between two {@link RaftCore#takeOutput()} calls. */
final class OutputBuffer {

    boolean hardStateDirty;
    boolean configurationChanged;
    final List<RoleChange> roleChanges = new ArrayList<>();
    private List<RaftMessage> now = new ArrayList<>();
    private List<RaftMessage> afterPersist = new ArrayList<>();
    /** Lowest index truncated from entries already handed out (or being written); 0 when none. */
    private long truncateFrom;
    /** Entries appended since the last drain, contiguous. */
    private List<Entry> entries = new ArrayList<>();
    long compactUpTo;
    SnapshotPoint restore;
    final List<String> snapshotSends = new ArrayList<>();
    final List<ReadState> reads = new ArrayList<>();
    final List<AdminResult> admin = new ArrayList<>();

    /** Queues {@code m}: at once, or after the pending persist when it depends on it ({@link #mayLeaveBeforePersist}). */
    void send(RaftMessage m, long stableIndex) {
        (mayLeaveBeforePersist(m, stableIndex) ? now : afterPersist).add(m);
    }

    /**
     * The persistence contract: a message may leave before the pending writes only if it depends on nothing
     * that is not yet durable — no changed term or vote (this holds for a leader too: a single voter wins
     * its election in the batch that raised its term), and no acknowledgement of entries beyond the durable
     * watermark {@code stableIndex}. A leader's AppendEntries may leave before its own entries are durable
     * (thesis §10.2.1).
     */
    private boolean mayLeaveBeforePersist(RaftMessage m, long stableIndex) {
        if (hardStateDirty) {
            return false;
        }
        if (m instanceof AppendResponse r && r.success()) {
            return r.matchIndex() <= stableIndex;
        }
        return true;
    }

    void appended(Entry e) {
        entries.add(e);
    }

    /** Entries from {@code from} on were removed from the log. */
    void truncated(long from) {
        if (!entries.isEmpty() && entries.get(0).index() <= from) {
            // Only entries of this batch are affected: they were never handed out, so just forget them.
            entries.subList((int) (from - entries.get(0).index()), entries.size()).clear();
            return;
        }
        entries.clear();
        truncateFrom = truncateFrom == 0 ? from : Math.min(truncateFrom, from);
    }

    boolean hasAny() {
        return hardStateDirty || configurationChanged || !roleChanges.isEmpty() || !now.isEmpty()
                || !afterPersist.isEmpty() || truncateFrom > 0 || !entries.isEmpty() || compactUpTo > 0
                || restore != null || !snapshotSends.isEmpty() || !reads.isEmpty() || !admin.isEmpty();
    }

    Output drain(HardState hs, List<Entry> committed) {
        Output o = new Output(now, hs, truncateFrom, entries, afterPersist, committed,
                List.copyOf(roleChanges), configurationChanged, compactUpTo, restore, List.copyOf(snapshotSends),
                List.copyOf(reads), List.copyOf(admin));
        reads.clear();
        admin.clear();
        compactUpTo = 0;
        restore = null;
        snapshotSends.clear();
        now = new ArrayList<>();
        afterPersist = new ArrayList<>();
        entries = new ArrayList<>();
        truncateFrom = 0;
        hardStateDirty = false;
        configurationChanged = false;
        roleChanges.clear();
        return o;
    }
}
