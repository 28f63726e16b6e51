package io.tally.kv;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EventHistoryTest {

    private static WatchEvent put(long revision, String key) {
        return new WatchEvent(revision, WatchEvent.Type.PUT, key, new byte[0], revision, 0);
    }

    @Test
    void theWindowKeepsTheLastRevisionsWhetherOrNotTheyHadEvents() {
        EventHistory h = new EventHistory(5);
        h.append(3, List.of(put(2, "a"), put(3, "b")));
        assertEquals(1, h.oldest());
        h.append(10, List.of(put(9, "c")));
        assertEquals(6, h.oldest(), "revisions 6..10 are held");
        assertEquals(1, h.size());
        h.append(20, List.of());
        assertEquals(16, h.oldest());
        assertEquals(0, h.size());
        assertThrows(IllegalArgumentException.class, () -> h.read(15, KeyFilter.prefix(""), 10));
        assertThrows(IllegalStateException.class, () -> h.append(21, List.of(put(20, "late"))));
    }

    @Test
    void readsTakeWholeRevisionsAndSayWhereToGoOn() {
        EventHistory h = new EventHistory(100);
        h.append(4, List.of(put(2, "a"), put(2, "b"), put(2, "c"), put(3, "a"), put(4, "b")));
        EventHistory.Read r = h.read(1, KeyFilter.prefix(""), 1);
        assertEquals(3, r.events().size(), "revision 2 whole");
        assertEquals(3, r.next());
        r = h.read(3, KeyFilter.key("b"), 10);
        assertEquals(List.of(put(4, "b")), r.events());
        assertEquals(5, r.next());
        assertEquals(9, h.read(9, KeyFilter.prefix(""), 10).next(), "a read from the future stays there");
    }

    @Test
    void aRestoredHistoryIsTrimmedToThisNodesWindow() {
        EventHistory h = new EventHistory(3);
        h.restore(1, 10, List.of(put(2, "a"), put(8, "b"), put(10, "c")));
        assertEquals(8, h.oldest());
        assertEquals(List.of(put(8, "b"), put(10, "c")), h.events());
        assertEquals(10, h.revision());
    }
}
