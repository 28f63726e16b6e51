package io.tally.raft.storage;

import io.tally.raft.model.HardState;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InMemoryStableStoreTest {

    @Test
    void newStoreLoadsEmptyState() {
        assertEquals(HardState.EMPTY, new InMemoryStableStore().load());
    }

    @Test
    void savedStateIsLoadedAndSurvivesInDurableCopy() throws IOException {
        InMemoryStableStore store = new InMemoryStableStore();
        store.save(new HardState(3, "b"));
        assertEquals(new HardState(3, "b"), store.load());
        assertEquals(new HardState(3, "b"), store.durableCopy().load());
    }

    @Test
    void durableCopyIsIndependentOfOriginal() throws IOException {
        InMemoryStableStore store = new InMemoryStableStore();
        store.save(new HardState(1, null));
        InMemoryStableStore copy = store.durableCopy();
        store.save(new HardState(2, "a"));
        assertEquals(new HardState(1, null), copy.load());
    }

    @Test
    void saveAfterCloseFails() {
        InMemoryStableStore store = new InMemoryStableStore();
        store.close();
        assertThrows(IOException.class, () -> store.save(new HardState(1, "a")));
    }
}
