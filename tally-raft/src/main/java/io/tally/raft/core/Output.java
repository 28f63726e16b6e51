package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.HardState;

import io.tally.raft.message.RaftMessage;

import java.util.List;

/**
 * What the core asks its driver to do after a batch of inputs, in this order:
 * <ol>
 *   <li>send {@link #messages} at once (they depend on nothing not yet durable);</li>
 *   <li>persist: save {@link #hardState} when not null, truncate the log from {@link #truncateFrom} when
 *       positive, append {@link #entries}, then sync;</li>
 *   <li>only after that persist — and every earlier one — is durable, send {@link #messagesAfterPersist}
 *       and report the last appended entry through {@code RaftCore.persisted};</li>
 *   <li>apply {@link #committed} to the state machine, in order (they are durable locally);</li>
 *   <li>publish {@link #roleChanges}.</li>
 * </ol>
 * Snapshots: after the persist above, remove log entries up to {@link #compactUpTo} from the log store (when
 * positive; they are covered by a durable snapshot); before applying {@link #committed}, restore the state
 * machine from the snapshot at {@link #restore} (when not null; it was received from the leader); and stream
 * the latest snapshot to each follower in {@link #snapshotSends}.
 * Reads: {@link #reads} answers read requests; serve each once the state machine has applied up to its index.
 * Administration: {@link #admin} answers membership changes and leadership transfers.
 */
public record Output(List<RaftMessage> messages, HardState hardState, long truncateFrom, List<Entry> entries,
                     List<RaftMessage> messagesAfterPersist, List<Entry> committed, List<RoleChange> roleChanges,
                     boolean configurationChanged, long compactUpTo, SnapshotPoint restore, List<String> snapshotSends,
                     List<ReadState> reads, List<AdminResult> admin) {

    public boolean needsPersist() {
        return hardState != null || truncateFrom > 0 || !entries.isEmpty() || compactUpTo > 0;
    }

    /** Whether the driver has to go through its log writer (to persist, or to order messages after persists). */
    public boolean needsWriter() {
        return needsPersist() || !messagesAfterPersist.isEmpty();
    }
}
