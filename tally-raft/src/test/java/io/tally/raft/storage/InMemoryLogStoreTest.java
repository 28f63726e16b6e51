package io.tally.raft.storage;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InMemoryLogStoreTest {

    private static Entry entry(long index, long term) {
        return new Entry(index, term, EntryType.COMMAND, ("e" + index).getBytes());
    }

    private static List<Entry> entries(long from, long toInclusive, long term) {
        List<Entry> es = new ArrayList<>();
        for (long i = from; i <= toInclusive; i++) {
            es.add(entry(i, term));
        }
        return es;
    }

    @Test
    void newStoreIsEmptyStartingAtOne() {
        InMemoryLogStore log = new InMemoryLogStore();
        assertEquals(1, log.firstIndex());
        assertEquals(0, log.lastIndex());
        assertEquals(List.of(), log.read(1, 1));
        assertEquals(0, log.sizeBytes());
    }

    @Test
    void appendedEntriesAreReadableImmediately() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 5, 1));
        assertEquals(1, log.firstIndex());
        assertEquals(5, log.lastIndex());
        assertEquals(entries(2, 4, 1), log.read(2, 5));
        assertEquals(entry(5, 1), log.get(5));
        assertEquals(entries(1, 5, 1).stream().mapToLong(Entry::sizeBytes).sum(), log.sizeBytes());
    }

    @Test
    void emptyStoreAcceptsAnyStartingIndex() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(10, 12, 3));
        assertEquals(10, log.firstIndex());
        assertEquals(12, log.lastIndex());
    }

    @Test
    void appendThatLeavesAGapIsRejected() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 3, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.append(List.of(entry(5, 1))));
        assertTrue(e.getMessage().contains("4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> log.append(List.of(entry(3, 1))));
        assertEquals(3, log.lastIndex());
    }

    @Test
    void nonContiguousBatchIsRejectedWithoutPartialEffect() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> log.append(List.of(entry(3, 1), entry(5, 1))));
        assertEquals(2, log.lastIndex());
    }

    @Test
    void readOutsideStoredRangeIsRejected() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 5, 1));
        log.truncatePrefix(2);
        assertThrows(IllegalArgumentException.class, () -> log.read(2, 4));
        assertThrows(IllegalArgumentException.class, () -> log.read(3, 7));
        assertThrows(IllegalArgumentException.class, () -> log.read(4, 3));
        assertThrows(IllegalArgumentException.class, () -> log.get(6));
        assertThrows(IllegalArgumentException.class, () -> log.get(2));
        assertEquals(entries(3, 5, 1), log.read(3, 6));
    }

    @Test
    void truncateSuffixRemovesTailAndAllowsOverwrite() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 5, 1));
        log.truncateSuffix(4);
        assertEquals(3, log.lastIndex());
        log.append(entries(4, 6, 2));
        assertEquals(entries(4, 6, 2), log.read(4, 7));
        assertEquals(entry(3, 1), log.get(3));
        assertEquals(entries(1, 3, 1).stream().mapToLong(Entry::sizeBytes).sum()
                + entries(4, 6, 2).stream().mapToLong(Entry::sizeBytes).sum(), log.sizeBytes());
    }

    @Test
    void truncateSuffixBeyondLastIndexIsANoOp() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 3, 1));
        log.truncateSuffix(4);
        assertEquals(3, log.lastIndex());
    }

    @Test
    void truncateSuffixAtFirstIndexEmptiesStoreKeepingFirstIndex() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 6, 1));
        log.truncatePrefix(3);
        log.truncateSuffix(4);
        assertEquals(4, log.firstIndex());
        assertEquals(3, log.lastIndex());
        assertEquals(0, log.sizeBytes());
    }

    @Test
    void truncatePrefixRemovesHead() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 5, 1));
        log.truncatePrefix(2);
        assertEquals(3, log.firstIndex());
        assertEquals(5, log.lastIndex());
        assertEquals(entries(3, 5, 1), log.read(3, 6));
        log.truncatePrefix(1); // already gone
        assertEquals(3, log.firstIndex());
    }

    @Test
    void truncatePrefixPastLastIndexLeavesEmptyStoreAfterIt() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 5, 1));
        log.truncatePrefix(9);
        assertEquals(10, log.firstIndex());
        assertEquals(9, log.lastIndex());
        assertEquals(0, log.sizeBytes());
        log.append(entries(10, 11, 2));
        assertEquals(entries(10, 11, 2), log.read(10, 12));
    }

    @Test
    void truncatePrefixAtLastIndexLeavesEmptyStore() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 5, 1));
        log.truncatePrefix(5);
        assertEquals(6, log.firstIndex());
        assertEquals(5, log.lastIndex());
    }

    @Test
    void unsyncedAppendsAreLostInDurableCopy() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 3, 1));
        log.sync();
        log.append(entries(4, 6, 1));
        InMemoryLogStore crashed = log.durableCopy();
        assertEquals(3, crashed.lastIndex());
        assertEquals(entries(1, 3, 1), crashed.read(1, 4));
        assertEquals(6, log.lastIndex());
        assertEquals(crashed.sizeBytes(), log.durableSizeBytes());
    }

    @Test
    void unsyncedTruncationsAreLostInDurableCopy() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 6, 1));
        log.sync();
        log.truncateSuffix(5);
        log.truncatePrefix(2);
        InMemoryLogStore crashed = log.durableCopy();
        assertEquals(1, crashed.firstIndex());
        assertEquals(6, crashed.lastIndex());
        assertEquals(entries(1, 6, 1), crashed.read(1, 7));
    }

    @Test
    void syncedMixOfOperationsSurvivesInDurableCopy() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 6, 1));
        log.truncateSuffix(4);
        log.append(entries(4, 8, 2));
        log.truncatePrefix(3);
        log.sync();
        log.append(entries(9, 9, 2));
        InMemoryLogStore crashed = log.durableCopy();
        assertEquals(4, crashed.firstIndex());
        assertEquals(8, crashed.lastIndex());
        assertEquals(entries(4, 8, 2), crashed.read(4, 9));
        assertEquals(crashed.sizeBytes(), log.durableSizeBytes());
    }

    @Test
    void durableCopyIsIndependentOfOriginal() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 3, 1));
        log.sync();
        InMemoryLogStore copy = log.durableCopy();
        log.truncateSuffix(1);
        log.sync();
        copy.append(entries(4, 4, 1));
        assertEquals(0, log.lastIndex());
        assertEquals(4, copy.lastIndex());
        assertEquals(3, copy.durableCopy().lastIndex());
    }

    @Test
    void mutationsAfterCloseFail() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(entries(1, 2, 1));
        log.close();
        assertThrows(IOException.class, () -> log.append(entries(3, 3, 1)));
        assertThrows(IOException.class, log::sync);
        assertEquals(entries(1, 2, 1), log.read(1, 3));
    }
}
