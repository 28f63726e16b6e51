package io.tally.raft.node;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Entry;
import io.tally.raft.model.HardState;
import io.tally.raft.core.RaftLog;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery: from what the three stores hold after a crash to the state a node starts from. The stores are written
 * by different threads at different moments (the snapshot receiver commits a snapshot before the log writer resets
 * the log for it; a snapshot from a deposed leader is committed, then ignored), so a crash can leave them out of step.
 * The rules, in order (docs/storage.md, "Recovery", has the table):
 *
 * <ol>
 *   <li>No snapshot: the log must start at index 1; else entries 1..first−1 are in neither store — refuse.</li>
 *   <li>Snapshot at (Si, St): the log must start at or before Si + 1; else entries Si+1..first−1 are lost — refuse
 *       (a durable log with a snapshot store that is not).</li>
 *   <li>The log ends before Si (it never received what the snapshot holds), or holds a different term at Si (its
 *       entries after Si came from another leader's history): the log restarts right after the snapshot — emptied,
 *       first index Si + 1 — durably, before the node runs. A snapshot holds only committed entries (§7), so adopting
 *       it loses nothing; the log's entries it replaces were either in it or never committed (Log Matching,
 *       Leader Completeness).</li>
 *   <li>Otherwise the log's entries after Si follow the snapshot and are kept.</li>
 *   <li>Hard state: the term is raised to the last term the node holds (the snapshot's or the log's) if the hard
 *       state is behind it — a snapshot can be durable before the term of the leader that sent it — with no vote,
 *       durably. The node never voted in that term (a vote is durable before it is sent), so this is safe.</li>
 * </ol>
 *
 * Every change is made durable before {@link #recover} returns; the node then starts from a log whose first entry
 * follows the snapshot it restores.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    /** The state a node starts from. {@code snapshot} is the one to restore the state machine from, if any. */
    public record Recovered(HardState hardState, RaftLog log, Optional<SnapshotMeta> snapshot) {
    }

    private Recovery() {
    }

    /**
     * Reads the stores, reconciles them (rule 3 and 5 may write), and returns the state to start from.
     *
     * @param reconcile false only in control runs ({@link io.tally.raft.Safeguard#SNAPSHOT_LOG_RECONCILIATION}):
     *                  rule 3 then only drops a log suffix that does not follow the snapshot, as Tally once did
     * @throws IOException when a store cannot be read or written, or the stores have lost entries (rules 1, 2)
     */
    public static Recovered recover(String nodeId, StableStore stable, LogStore log, SnapshotStore snapshots, boolean reconcile)
            throws IOException {
        HardState hs = stable.load();
        Optional<SnapshotMeta> snapshot = snapshots.latest();
        long base = snapshot.map(SnapshotMeta::lastIndex).orElse(0L);
        long baseTerm = snapshot.map(SnapshotMeta::lastTerm).orElse(0L);
        Configuration baseConfig = snapshot.map(SnapshotMeta::configuration).orElse(Configuration.EMPTY);
        if (log.firstIndex() > base + 1) {
            // Entries were compacted away but no snapshot covers them (for example, a durable log with an in-memory
            // snapshot store): starting would forget acknowledged entries while keeping the vote.
            throw new IOException("the log store starts at index " + log.firstIndex() + " but the newest snapshot ends at "
                    + base + ": entries " + (base + 1) + ".." + (log.firstIndex() - 1)
                    + " are in neither; give the node the snapshot store it compacted against");
        }
        if (base > 0) {
            boolean behind = log.lastIndex() < base;
            boolean diverges = !behind && log.firstIndex() <= base && log.read(base, base + 1).get(0).term() != baseTerm;
            if (reconcile && (behind || diverges)) {
                LOG.atInfo().addKeyValue("node", nodeId).addKeyValue("term", baseTerm).addKeyValue("index", base)
                        .log("node {}: the log ({}..{}) does not continue the newest snapshot (index {}, term {}); "
                                + "it restarts after it", nodeId, log.firstIndex(), log.lastIndex(), base, baseTerm);
                log.truncateSuffix(base + 1);
                log.truncatePrefix(base);
                log.sync();
            } else if (diverges) {
                log.truncateSuffix(base + 1);
                log.sync();
            }
        }
        long first = Math.max(log.firstIndex(), base + 1);
        long last = log.lastIndex();
        List<Entry> entries = last >= first ? log.read(first, last + 1) : List.of();
        long lastTerm = entries.isEmpty() ? baseTerm : entries.get(entries.size() - 1).term();
        if (reconcile && hs.term() < lastTerm) {
            LOG.atInfo().addKeyValue("node", nodeId).addKeyValue("term", lastTerm).addKeyValue("index", last)
                    .log("node {}: the hard state's term {} is behind the term {} of what it holds (up to index {}); "
                            + "raising it", nodeId, hs.term(), lastTerm, last);
            hs = new HardState(lastTerm, null);
            stable.save(hs);
        }
        long lastIndex = entries.isEmpty() ? base : entries.get(entries.size() - 1).index();
        LOG.atInfo().addKeyValue("node", nodeId).addKeyValue("term", hs.term()).addKeyValue("index", lastIndex)
                .addKeyValue("snapshotIndex", base)
                .log("node {}: recovered term {} (vote {}), snapshot up to index {} (term {}), log up to index {} "
                        + "(term {})", nodeId, hs.term(), hs.votedFor() == null ? "none" : hs.votedFor(), base, baseTerm,
                        lastIndex, lastTerm);
        return new Recovered(hs, new RaftLog(base, baseTerm, baseConfig, entries), snapshot);
    }
}
