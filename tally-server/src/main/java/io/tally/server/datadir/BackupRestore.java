package io.tally.server.datadir;

import io.tally.kv.KvBackup;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.HardState;
import io.tally.raft.model.Member;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.server.ClusterFlag;
import io.tally.server.ClusterIdFile;
import io.tally.server.MemberHttp;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.snapshot.FileSnapshotStore;
import io.tally.storage.stable.FileStableStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./tally snapshot restore}: etcdutl's model. From one backup ({@link KvBackup}) it writes the data directory of
 * one member of a <em>new</em> cluster; every member restores the same file, with the same {@code --cluster} and
 * cluster id, into its own directory, and {@code ./tally server} on those directories starts the cluster with every key
 * of the backup.
 *
 * <p>What it writes, through the storage classes' own APIs (docs/storage.md has the formats):
 * <ul>
 *   <li>{@code snapshots/}: one Raft snapshot whose data is the backup's key/value snapshot, at index = the backup's
 *       revision and term {@value #TERM}, with the configuration of {@code --cluster} (each member's HTTP address as its
 *       metadata, as {@code --cluster} bootstraps it). Every member writes the same (index, term, configuration), so
 *       their logs agree at the snapshot (Log Matching) and a leader's first entries follow it.</li>
 *   <li>{@code stable/}: the hard state, term {@value #TERM} and no vote.</li>
 *   <li>{@code log/}: an empty log that starts right after the snapshot.</li>
 *   <li>{@code cluster-id}: the new cluster's name ({@link ClusterIdFile}); a node refuses to start the directory under
 *       another one, and peers of the old cluster, with the old name, are refused in the handshake.</li>
 * </ul>
 * A node that starts on it finds state (a snapshot, a term), so it never bootstraps again: {@code --cluster} is then
 * checked and ignored. The directory is written under a temporary name beside it and renamed into place only when
 * complete, so a crash leaves either nothing or all of it. A directory that is not empty is refused.
 */
public final class BackupRestore {

    /** The term of the restored snapshot and hard state: the same on every member. */
    static final long TERM = 1;

    /** What a restore wrote. */
    public record Result(Path dataDir, long revision, int keys, String clusterId, String sha256, Configuration configuration) {
    }

    private BackupRestore() {
    }

    /**
     * Writes member {@code id}'s data directory {@code dataDir} of a new cluster of {@code cluster}, named
     * {@code clusterId}, from the backup {@code backup}.
     *
     * @param clusterId the new cluster's name; null: {@link #defaultClusterId} of the backup
     * @throws DataDirectoryToolException when the backup is unreadable or damaged, the directory is not empty, or the
     *                                    arguments do not fit together; nothing is written then
     * @throws IOException                when writing fails (what was written is removed)
     */
    public static Result restore(Path backup, Path dataDir, String id, Map<String, ClusterFlag.Addresses> cluster,
                                 String clusterId) throws DataDirectoryToolException, IOException {
        if (!cluster.containsKey(id)) {
            throw new DataDirectoryToolException("--cluster does not name this member ('" + id + "'): list every member of "
                    + "the new cluster, this one included");
        }
        if (clusterId != null && (clusterId.isEmpty() || clusterId.length() > 128)) {
            throw new DataDirectoryToolException("--cluster-id must be 1-128 characters");
        }
        if (!DataDirectories.absentOrEmpty(dataDir)) {
            throw new DataDirectoryToolException("--data-dir " + dataDir + " is not empty: a restore writes a fresh data "
                    + "directory; give it an empty or new one");
        }
        KvBackup.Verified verified;
        try (InputStream in = Files.newInputStream(backup)) {
            verified = KvBackup.readVerified(new java.io.BufferedInputStream(in, 1 << 16));
        } catch (NoSuchFileException e) {
            throw new DataDirectoryToolException("no such backup file: " + backup);
        } catch (IOException e) {
            throw new DataDirectoryToolException("cannot restore from " + backup + ": " + e.getMessage(), e);
        }
        KvBackup.Info info = verified.info();
        String name = clusterId != null ? clusterId : defaultClusterId(info);
        List<Member> members = new ArrayList<>();
        cluster.forEach((member, a) -> members.add(MemberHttp.with(Member.voter(member, a.raft()), a.http())));
        Configuration configuration = Configuration.of(members);

        Path target = dataDir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + target.getFileName() + ".restore-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectory(tmp);
            write(tmp, info.revision(), verified.snapshot(), configuration, name);
            if (Files.exists(target)) {
                Files.delete(target); // empty, as checked: the rename takes its place
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            DataDirectories.syncDirectory(parent);
        } catch (IOException | RuntimeException e) {
            DataDirectories.deleteRecursively(tmp);
            throw e;
        }
        return new Result(dataDir, info.revision(), info.keys(), name, info.sha256(), configuration);
    }

    /** {@code restored-} and the first 12 hex digits of the backup's SHA-256: the same on every member. */
    public static String defaultClusterId(KvBackup.Info info) {
        return "restored-" + info.sha256().substring(0, 12);
    }

    private static void write(Path dir, long revision, byte[] snapshot, Configuration configuration, String clusterId)
            throws IOException {
        try (FileSnapshotStore snapshots = FileSnapshotStore.open(NioFileSystem.INSTANCE, dir.resolve(DataDirectories.SNAPSHOTS), 2)) {
            try (SnapshotStore.SnapshotSink sink = snapshots.create(new SnapshotMeta(revision, TERM, configuration, 0))) {
                sink.output().write(snapshot);
                sink.commit();
            }
        }
        try (FileStableStore stable = FileStableStore.open(NioFileSystem.INSTANCE, dir.resolve(DataDirectories.STABLE))) {
            stable.save(new HardState(TERM, null));
        }
        try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir.resolve(DataDirectories.LOG),
                SegmentedLogOptions.defaults())) {
            log.truncatePrefix(revision); // empty, first index revision + 1: the log continues the snapshot
            log.sync();
        }
        ClusterIdFile.write(dir, clusterId);
        DataDirectories.syncDirectory(dir);
    }
}
