package io.tally.raft.node;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.HardState;
import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemorySnapshotStore;
import io.tally.raft.storage.InMemoryStableStore;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reconciliation rules of {@link Recovery}, one per combination of snapshot, log and hard state a crash can leave. */
class RecoveryTest {

    private static final Configuration ABC = Configuration.ofVoters("a", "b", "c");

    private final InMemoryStableStore stable = new InMemoryStableStore();
    private final InMemoryLogStore log = new InMemoryLogStore();
    private final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();

    private void entries(long from, long... terms) throws IOException {
        List<Entry> es = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            es.add(new Entry(from + i, terms[i], EntryType.COMMAND, new byte[] {(byte) i}));
        }
        log.append(es);
        log.sync();
    }

    private void snapshot(long index, long term) throws IOException {
        try (SnapshotStore.SnapshotSink sink = snapshots.create(new SnapshotMeta(index, term, ABC, 0))) {
            sink.output().write(new byte[] {1, 2, 3});
            sink.commit();
        }
    }

    private Recovery.Recovered recover() throws IOException {
        return Recovery.recover("a", stable, log, snapshots, true);
    }

    @Test
    void noSnapshotAndALogFromIndexOneIsTakenAsItIs() throws IOException {
        stable.save(new HardState(3, "b"));
        entries(1, 1, 2, 3);
        Recovery.Recovered r = recover();
        assertEquals(new HardState(3, "b"), r.hardState());
        assertEquals(3, r.log().lastIndex());
        assertTrue(r.snapshot().isEmpty());
    }

    @Test
    void aCompactedLogWithoutTheSnapshotItWasCompactedAgainstIsRefused() throws IOException {
        entries(1, 1, 1, 1, 1, 1);
        log.truncatePrefix(3);
        log.sync();
        IOException e = assertThrows(IOException.class, this::recover);
        assertTrue(e.getMessage().contains("entries 1..3 are in neither"), e.getMessage());
    }

    // The crash loop of issue 11: the snapshot receiver made a snapshot durable, the node died before the log writer
    // reset the log for it (or the core ignored it, as from a deposed leader). The log must restart after it.
    @Test
    void aSnapshotNewerThanTheLogMakesTheLogRestartAfterIt() throws IOException {
        stable.save(new HardState(2, null));
        entries(1, 1, 1, 2, 2, 2, 2); // 1..6
        snapshot(11, 2);
        Recovery.Recovered r = recover();
        assertEquals(11, r.log().snapshotIndex());
        assertEquals(11, r.log().lastIndex());
        assertEquals(12, log.firstIndex(), "the log store itself restarts after the snapshot");
        assertEquals(11, log.lastIndex());
        log.append(List.of(new Entry(12, 2, EntryType.COMMAND, new byte[0]))); // what failed before: contiguous again
        InMemoryLogStore afterCrash = log.durableCopy();
        assertEquals(12, afterCrash.firstIndex(), "durable before the node runs");
    }

    @Test
    void aLogThatHoldsAnotherTermAtTheSnapshotsIndexRestartsAfterIt() throws IOException {
        stable.save(new HardState(3, null));
        entries(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1); // 1..12, all term 1: another history at 10
        snapshot(10, 3);
        Recovery.Recovered r = recover();
        assertEquals(10, r.log().lastIndex(), "nothing after the snapshot is kept: it followed another history");
        assertEquals(11, log.firstIndex());
        assertEquals(10, log.lastIndex());
    }

    @Test
    void aLogThatContinuesTheSnapshotIsKept() throws IOException {
        stable.save(new HardState(2, "a"));
        entries(1, 1, 1, 1, 2, 2, 2, 2, 2); // 1..8
        snapshot(5, 2);
        Recovery.Recovered r = recover();
        assertEquals(5, r.log().snapshotIndex());
        assertEquals(8, r.log().lastIndex());
        assertEquals(1, log.firstIndex(), "nothing rewritten: compaction later drops the covered entries");
        assertEquals(new HardState(2, "a"), r.hardState());
    }

    @Test
    void aHardStateBehindTheSnapshotsTermIsRaisedWithoutAVote() throws IOException {
        stable.save(new HardState(2, "b"));
        entries(1, 1, 1);
        snapshot(9, 4); // durable before the term of the leader that sent it
        Recovery.Recovered r = recover();
        assertEquals(new HardState(4, null), r.hardState());
        assertEquals(new HardState(4, null), stable.durableCopy().load(), "durably");
    }

    @Test
    void withoutReconciliationTheOldRuleLeavesTheLogBehindTheSnapshot() throws IOException {
        entries(1, 1, 1, 1, 1, 1, 1);
        snapshot(11, 2);
        Recovery.recover("a", stable, log, snapshots, false);
        assertEquals(6, log.lastIndex(), "the control run's crash loop: the next append (12) is not contiguous");
    }
}
