package io.tally.server.datadir;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.HardState;
import io.tally.raft.model.Member;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.server.DirectoryContents;
import io.tally.server.MemberHttp;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.snapshot.FileSnapshotStore;
import io.tally.storage.stable.FileStableStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ForceNewCluster} on data directories written with the storage classes, in the shapes a killed node leaves:
 * a snapshot and the log after it (compacted or not), a log behind its snapshot or diverging from it at the snapshot's
 * index (a crash between committing a received snapshot and resetting the log), a member added after the snapshot,
 * and directories it must refuse unchanged. After a recovery the directory must be one the node's own start-up
 * recovery (tally-raft's Recovery) keeps whole: the log continues the snapshot (it starts at most one past it, and
 * holds the snapshot's term at the snapshot's index if it holds that index), so the appended one-member configuration
 * is the newest configuration the node sees.
 */
class ForceNewClusterTest {

    private static final Configuration THREE = Configuration.of(List.of(member("n1", 1), member("n2", 2), member("n3", 3)));

    @Test
    void aSnapshotAndACompactedLogAfterItKeepEveryEntryAndAppendTheOneMemberConfiguration(@TempDir Path dir) throws Exception {
        snapshot(dir, 200, 2, THREE);
        log(dir, 151, 250, i -> i <= 220 ? 2 : 3);
        hardState(dir, new HardState(3, "n1"));

        Map<String, String> before = DirectoryContents.of(dir);
        ForceNewCluster.Result look = ForceNewCluster.recover(dir, "n2", null, false);
        assertEquals(before, DirectoryContents.of(dir), "a dry run writes nothing, not even a LOCK file");
        assertEquals(250, look.lastIndex());
        assertEquals(3, look.lastTerm());
        assertEquals(false, look.written());

        ForceNewCluster.Result r = ForceNewCluster.recover(dir, "n2", null);

        assertEquals(true, r.written());
        assertEquals(List.of(look.lastIndex(), look.lastTerm(), look.configurationIndex(), look.term()),
                List.of(r.lastIndex(), r.lastTerm(), r.configurationIndex(), r.term()), "the dry run said what the recovery did");
        assertEquals(look.member(), r.member());
        assertEquals(200, r.snapshotIndex());
        assertEquals(250, r.lastIndex());
        assertEquals(251, r.configurationIndex());
        assertEquals(4, r.term());
        assertEquals(THREE, r.previous());
        assertStartsAlone(dir, "n2", 251, 4, THREE.member("n2").orElseThrow());
        assertEquals(commands(201, 250, i -> i <= 220 ? 2 : 3), readLog(dir, 201, 251), "the entries after the snapshot are kept");
    }

    @Test
    void aMemberAddedAfterTheSnapshotCanBeTheSurvivorAndBecomesAVoter(@TempDir Path dir) throws Exception {
        snapshot(dir, 100, 1, THREE);
        List<Member> four = new ArrayList<>(THREE.members());
        four.add(MemberHttp.with(Member.nonVoter("n4", "127.0.0.1:7004"), "127.0.0.1:8004"));
        Configuration withN4 = Configuration.of(four);
        try (SegmentedLogStore log = openLog(dir)) {
            log.truncatePrefix(100);
            log.append(List.of(new Entry(101, 1, EntryType.COMMAND, bytes("a")),
                    new Entry(102, 1, EntryType.CONFIGURATION, ConfigurationCodec.encode(withN4)),
                    new Entry(103, 1, EntryType.COMMAND, bytes("b"))));
            log.sync();
        }
        hardState(dir, new HardState(1, null));

        ForceNewCluster.Result r = ForceNewCluster.recover(dir, "n4", "renamed");

        assertEquals(withN4, r.previous());
        Member n4 = withN4.member("n4").orElseThrow();
        assertStartsAlone(dir, "n4", 104, 2, new Member("n4", n4.address(), true, n4.metadata()));
        assertEquals("renamed", Files.readString(dir.resolve("cluster-id"), StandardCharsets.UTF_8).trim());
    }

    @Test
    void aLogThatEndsBeforeItsSnapshotRestartsAfterIt(@TempDir Path dir) throws Exception {
        snapshot(dir, 200, 3, THREE);
        log(dir, 1, 150, i -> 2);
        hardState(dir, new HardState(3, null));

        ForceNewCluster.Result r = ForceNewCluster.recover(dir, "n3", null);

        assertEquals(200, r.lastIndex());
        assertStartsAlone(dir, "n3", 201, 4, THREE.member("n3").orElseThrow());
    }

    @Test
    void aLogThatDivergesFromItsSnapshotAtTheSnapshotsIndexRestartsAfterIt(@TempDir Path dir) throws Exception {
        // The snapshot came from a leader of term 3 (received, committed, then the node died before resetting its log,
        // whose entries 190..260 are of a deposed leader's term 2).
        snapshot(dir, 200, 3, THREE);
        log(dir, 1, 260, i -> i < 190 ? 1 : 2);
        hardState(dir, new HardState(3, null));

        ForceNewCluster.Result r = ForceNewCluster.recover(dir, "n1", null);

        assertEquals(200, r.lastIndex(), "the snapshot wins over the log's other history");
        assertStartsAlone(dir, "n1", 201, 4, THREE.member("n1").orElseThrow());
    }

    @Test
    void aLogWithAGapAfterItsSnapshotIsRefusedUnchanged(@TempDir Path dir) throws Exception {
        snapshot(dir, 100, 1, THREE);
        log(dir, 151, 250, i -> 1);
        hardState(dir, new HardState(1, null));
        Map<String, String> before = DirectoryContents.of(dir);

        DataDirectoryToolException e = assertThrows(DataDirectoryToolException.class, () -> ForceNewCluster.recover(dir, "n1", null));

        assertTrue(e.getMessage().contains("entries 101..150 are in neither"), e.getMessage());
        assertEquals(before, DirectoryContents.of(dir));
    }

    @Test
    void aDirectoryWithNoClusterStateOrWithoutTheMemberIsRefusedUnchanged(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("never-bootstrapped");
        Files.createDirectories(empty.resolve("log"));
        Files.createDirectories(empty.resolve("stable"));
        Map<String, String> before = DirectoryContents.of(empty);
        DataDirectoryToolException e = assertThrows(DataDirectoryToolException.class, () -> ForceNewCluster.recover(empty, "n1", null));
        assertTrue(e.getMessage().contains("holds no cluster state"), e.getMessage());
        assertEquals(before, withoutLock(DirectoryContents.of(empty)));

        Path node = dir.resolve("node");
        snapshot(node, 100, 1, THREE);
        log(node, 1, 120, i -> 1);
        hardState(node, new HardState(1, null));
        before = DirectoryContents.of(node);
        e = assertThrows(DataDirectoryToolException.class, () -> ForceNewCluster.recover(node, "n7", null));
        assertTrue(e.getMessage().contains("'n7' is not a member") && e.getMessage().contains("n1, n2, n3"), e.getMessage());
        assertEquals(withoutLock(before), withoutLock(DirectoryContents.of(node)));
    }

    /**
     * What the node's start-up recovery will see: a log that continues the snapshot, whose last entry (at
     * {@code index}, in {@code term}) is the configuration of {@code self} alone, and a hard state at that term with no
     * vote.
     */
    private static void assertStartsAlone(Path dir, String id, long index, long term, Member self) throws IOException {
        SnapshotMeta snapshot;
        try (FileSnapshotStore snapshots = FileSnapshotStore.open(NioFileSystem.INSTANCE, dir.resolve("snapshots"), 2)) {
            snapshot = snapshots.latest().orElseThrow();
        }
        try (SegmentedLogStore log = openLog(dir)) {
            long base = snapshot.lastIndex();
            assertTrue(log.firstIndex() <= base + 1, "the log continues the snapshot: " + log);
            assertTrue(log.lastIndex() >= base, "the log ends after the snapshot: " + log);
            if (log.firstIndex() <= base) {
                assertEquals(snapshot.lastTerm(), log.read(base, base + 1).get(0).term(),
                        "the log holds the snapshot's term at the snapshot's index");
            }
            assertEquals(index, log.lastIndex());
            Entry last = log.read(index, index + 1).get(0);
            assertEquals(term, last.term());
            assertEquals(EntryType.CONFIGURATION, last.type());
            assertEquals(Configuration.of(List.of(self)), ConfigurationCodec.decode(last.data()));
            long previousTerm = index - 1 > base ? log.read(index - 1, index).get(0).term() : snapshot.lastTerm();
            assertTrue(term > previousTerm, "a term above every term the directory holds");
        }
        try (FileStableStore stable = FileStableStore.open(NioFileSystem.INSTANCE, dir.resolve("stable"))) {
            HardState hs = stable.load();
            assertEquals(term, hs.term());
            assertNull(hs.votedFor());
        }
        assertEquals(Optional.of(self), Configuration.of(List.of(self)).member(id));
    }

    private static Map<String, String> withoutLock(Map<String, String> contents) {
        Map<String, String> m = new java.util.TreeMap<>(contents);
        m.remove("LOCK");
        return m;
    }

    private static Member member(String id, int n) {
        return MemberHttp.with(Member.voter(id, "127.0.0.1:700" + n), "127.0.0.1:800" + n);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static SegmentedLogStore openLog(Path dir) throws IOException {
        return SegmentedLogStore.open(NioFileSystem.INSTANCE, dir.resolve("log"), SegmentedLogOptions.defaults());
    }

    private static void snapshot(Path dir, long index, long term, Configuration configuration) throws IOException {
        try (FileSnapshotStore snapshots = FileSnapshotStore.open(NioFileSystem.INSTANCE, dir.resolve("snapshots"), 2)) {
            try (SnapshotStore.SnapshotSink sink = snapshots.create(new SnapshotMeta(index, term, configuration, 0))) {
                sink.output().write(bytes("state up to " + index));
                sink.commit();
            }
        }
    }

    /** Commands {@code from..to}, the first entry of a log that starts at 1 being the configuration of three. */
    private static void log(Path dir, long from, long to, java.util.function.LongUnaryOperator termOf) throws IOException {
        try (SegmentedLogStore log = openLog(dir)) {
            if (from > 1) {
                log.truncatePrefix(from - 1);
            }
            List<Entry> entries = commands(from, to, termOf);
            if (from == 1) {
                entries.set(0, new Entry(1, termOf.applyAsLong(1), EntryType.CONFIGURATION, ConfigurationCodec.encode(THREE)));
            }
            log.append(entries);
            log.sync();
        }
    }

    private static List<Entry> commands(long from, long to, java.util.function.LongUnaryOperator termOf) {
        List<Entry> entries = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            entries.add(new Entry(i, termOf.applyAsLong(i), EntryType.COMMAND, bytes("command " + i)));
        }
        return entries;
    }

    private static List<Entry> readLog(Path dir, long from, long toExclusive) throws IOException {
        try (SegmentedLogStore log = openLog(dir)) {
            return log.read(from, toExclusive);
        }
    }

    private static void hardState(Path dir, HardState hs) throws IOException {
        try (FileStableStore stable = FileStableStore.open(NioFileSystem.INSTANCE, dir.resolve("stable"))) {
            stable.save(hs);
        }
    }
}
