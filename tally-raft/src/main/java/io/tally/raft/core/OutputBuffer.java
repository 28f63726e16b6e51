package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.HardState;

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

    void send(RaftMessage m, boolean immediately) {
        (immediately ? now : afterPersist).add(m);
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
