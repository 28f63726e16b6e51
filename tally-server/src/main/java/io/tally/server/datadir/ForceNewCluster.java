package io.tally.server.datadir;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.HardState;
import io.tally.raft.model.Member;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.server.ClusterIdFile;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.snapshot.FileSnapshotStore;
import io.tally.storage.stable.FileStableStore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./tally recover --force-new-cluster}: when a majority of the voters is lost for good, the data directory of
 * one survivor becomes a one-member cluster that keeps everything the survivor had (etcd's
 * {@code --force-new-cluster}, hashicorp's {@code RecoverCluster}); members are then added back with {@code --join}.
 *
 * <p>It keeps the survivor's snapshot and its whole log, and appends one entry: a configuration whose only voter is
 * the survivor (with its Raft address and HTTP metadata as the configuration in force had them), at the next index, in
 * a term above every term the directory holds; the hard state moves to that term, with no vote. A configuration
 * takes effect as soon as it is in the log (thesis §4.1), so the node starts as the only voter of its cluster, elects
 * itself, and its first entry commits everything before it: every write the survivor had applied, and the entries it
 * had received but did not know to be committed (their outcome was unknown to their clients; now they apply). The
 * snapshot and the log stay as they were but for the appended entry, except a log that does not continue the snapshot
 * (it ends before it, or holds another term at its index): that log restarts right after the snapshot, as the node's
 * own start-up recovery would make it. Everything is checked before anything is written: a refused directory is left
 * as it was, but for what opening its log does as the node's own start would (finish a truncation or compaction a
 * crash interrupted).
 *
 * <p>The lost members must never come back with their old data: they would form a majority of the old configuration
 * and could elect a leader of their own. Wipe their directories, or give the recovered cluster a new name
 * ({@code --cluster-id}), which their handshakes then fail. The node must be stopped (the tool takes its lock).
 */
public final class ForceNewCluster {

    /** What a recovery did. */
    public record Result(Path dataDir, String id, long snapshotIndex, long lastIndex, long lastTerm, long configurationIndex,
                         long term, Member member, Configuration previous, String clusterId, boolean written) {
    }

    private ForceNewCluster() {
    }

    /**
     * Makes {@code dataDir}, the data directory of member {@code id}, a one-member cluster.
     *
     * @param clusterId the recovered cluster's new name, recorded in the directory; null keeps the name it runs under
     * @throws DataDirectoryToolException when the directory holds no cluster state, is in use, misses entries, or does
     *                                    not hold {@code id} as a member; nothing is changed then
     */
    public static Result recover(Path dataDir, String id, String clusterId) throws DataDirectoryToolException, IOException {
        return recover(dataDir, id, clusterId, true);
    }

    /**
     * As {@link #recover(Path, String, String)}; with {@code write} false it only checks and describes what a recovery
     * would do (the survivor's last index and term, to pick the most up-to-date survivor), and writes nothing.
     */
    public static Result recover(Path dataDir, String id, String clusterId, boolean write)
            throws DataDirectoryToolException, IOException {
        if (!Files.isDirectory(dataDir.resolve(DataDirectories.LOG)) || !Files.isDirectory(dataDir.resolve(DataDirectories.STABLE))) {
            throw new DataDirectoryToolException(dataDir + " is not a node's data directory (it has no log/ and stable/)");
        }
        if (clusterId != null && (clusterId.isEmpty() || clusterId.length() > 128)) {
            throw new DataDirectoryToolException("--cluster-id must be 1-128 characters");
        }
        Path lockFile = dataDir.resolve(DataDirectories.LOCK);
        boolean hadLockFile = Files.exists(lockFile);
        Result result;
        try (FileChannel lock = DataDirectories.lock(dataDir)) {
            try {
                result = recoverLocked(dataDir, id, clusterId, write);
            } catch (DataDirectoryToolException e) {
                if (!hadLockFile) {
                    Files.deleteIfExists(lockFile); // refused: the directory is left exactly as it was
                }
                throw e;
            }
            if (!write && !hadLockFile) {
                Files.deleteIfExists(lockFile); // a dry run leaves the directory as it was
            }
        }
        return result;
    }

    /** {@link #recover} once the directory is locked: checks everything first, and writes only when nothing is refused. */
    private static Result recoverLocked(Path dataDir, String id, String clusterId, boolean write)
            throws DataDirectoryToolException, IOException {
        Path snapshotDir = dataDir.resolve(DataDirectories.SNAPSHOTS);
        try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dataDir.resolve(DataDirectories.LOG),
                SegmentedLogOptions.defaults());
             FileStableStore stable = FileStableStore.open(NioFileSystem.INSTANCE, dataDir.resolve(DataDirectories.STABLE));
             // Opening the store creates its directory: a directory without one has no snapshot, and stays so.
             FileSnapshotStore snapshots = Files.isDirectory(snapshotDir)
                     ? FileSnapshotStore.open(NioFileSystem.INSTANCE, snapshotDir, 2) : null) {
            Optional<SnapshotMeta> snapshot = snapshots != null ? snapshots.latest() : Optional.empty();
            long base = snapshot.map(SnapshotMeta::lastIndex).orElse(0L);
            long baseTerm = snapshot.map(SnapshotMeta::lastTerm).orElse(0L);
            if (log.firstIndex() > base + 1) {
                throw new DataDirectoryToolException("the log starts at index " + log.firstIndex() + " but the newest snapshot "
                        + "ends at " + base + ": entries " + (base + 1) + ".." + (log.firstIndex() - 1) + " are in neither; "
                        + "this directory cannot be recovered");
            }
            // The node's own start-up recovery (tally-raft's Recovery) keeps the log's entries after the snapshot only if
            // the log continues it; a log that ends before the snapshot, or holds another term at the snapshot's index
            // (its entries after it came from another leader's history), restarts right after the snapshot. Do the same
            // here, or that recovery would drop the configuration appended below with the log it discards.
            boolean behind = base > 0 && log.lastIndex() < base;
            boolean diverges = base > 0 && !behind && log.firstIndex() <= base
                    && log.read(base, base + 1).get(0).term() != baseTerm;
            boolean restartLog = behind || diverges;
            long first = Math.max(log.firstIndex(), base + 1);
            List<Entry> entries = !restartLog && log.lastIndex() >= first ? log.read(first, log.lastIndex() + 1) : List.of();
            Configuration previous = snapshot.map(SnapshotMeta::configuration).orElse(Configuration.EMPTY);
            long lastTerm = baseTerm;
            for (Entry e : entries) {
                if (e.type() == EntryType.CONFIGURATION) {
                    previous = ConfigurationCodec.decode(e.data());
                }
                lastTerm = e.term();
            }
            long lastIndex = entries.isEmpty() ? base : entries.get(entries.size() - 1).index();
            if (lastIndex == 0 || previous.members().isEmpty()) {
                throw new DataDirectoryToolException(dataDir + " holds no cluster state (no configuration in its log or "
                        + "snapshot): there is nothing to recover");
            }
            Configuration inForce = previous;
            Member self = inForce.member(id).orElseThrow(() -> new DataDirectoryToolException("'" + id + "' is not a member "
                    + "of the configuration this directory holds (members: " + String.join(", ", previousIds(inForce))
                    + "): give the --id this node ran under"));
            Member voter = new Member(self.id(), self.address(), true, self.metadata());
            Configuration alone = Configuration.of(List.of(voter));
            HardState hs = stable.load();
            long term = Math.max(hs.term(), lastTerm) + 1;
            if (!write) {
                return new Result(dataDir, id, base, lastIndex, lastTerm, lastIndex + 1, term, voter, previous, clusterId, false);
            }

            // Checked; now write. The log first (its entries up to lastIndex stay as they are), then the hard state.
            if (restartLog) {
                log.truncateSuffix(base + 1);
                log.truncatePrefix(base); // empty, first index base + 1: the log continues the snapshot
            }
            log.append(List.of(new Entry(lastIndex + 1, term, EntryType.CONFIGURATION, ConfigurationCodec.encode(alone))));
            log.sync();
            stable.save(new HardState(term, null));
            if (clusterId != null) {
                ClusterIdFile.write(dataDir, clusterId);
            }
            return new Result(dataDir, id, base, lastIndex, lastTerm, lastIndex + 1, term, voter, previous, clusterId, true);
        }
    }

    private static List<String> previousIds(Configuration c) {
        return c.members().stream().map(Member::id).toList();
    }
}
