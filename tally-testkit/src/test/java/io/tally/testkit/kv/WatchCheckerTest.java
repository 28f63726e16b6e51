package io.tally.testkit.kv;

import io.tally.kv.KeyFilter;
import io.tally.kv.WatchEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watch checker's comparison alone, on a hand-made log and hand-made deliveries: each defect it exists to catch. */
class WatchCheckerTest {

    private static WatchEvent put(long revision, String key, String value) {
        return new WatchEvent(revision, WatchEvent.Type.PUT, key, value.getBytes(StandardCharsets.UTF_8), revision, 0);
    }

    private static WatchEvent delete(long revision, String key, long version) {
        return new WatchEvent(revision, WatchEvent.Type.DELETE, key, null, version, 0);
    }

    /** The log: revision 3 writes two keys at once (a transaction); 4 has nothing under 'g/'; 6 deletes a range. */
    private static final List<WatchEvent> LOG = List.of(
            put(1, "g/a", "1"),
            put(2, "k", "x"),
            put(3, "g/a", "2"), put(3, "g/b", "2"),
            put(4, "k", "y"),
            put(5, "g/c", "5"),
            delete(6, "g/a", 3), delete(6, "g/b", 3), delete(6, "g/c", 5),
            put(7, "g/a", "7"));

    private static final SimWatcher.Connection FIRST = new SimWatcher.Connection(1, "n0#1", 1, 0);
    private static final SimWatcher.Connection SECOND = new SimWatcher.Connection(2, "n1#1", 4, 10);

    private static List<SimWatcher.Delivered> delivered(WatchEvent... events) {
        List<SimWatcher.Delivered> out = new ArrayList<>();
        for (WatchEvent e : events) {
            out.add(new SimWatcher.Delivered(e, e.revision() < 4 ? FIRST : SECOND));
        }
        return out;
    }

    private static String compare(long from, long next, List<SimWatcher.Delivered> got) {
        return WatchChecker.compare(LOG, KeyFilter.prefix("g/"), from, next, List.of(), got);
    }

    private static List<WatchEvent> underG(long from) {
        return LOG.stream().filter(e -> e.key().startsWith("g/") && e.revision() >= from).toList();
    }

    @Test
    void exactlyTheLogsEventsUnderThePrefixPass() {
        assertNull(compare(1, 8, delivered(underG(1).toArray(WatchEvent[]::new))));
        assertNull(compare(4, 8, delivered(underG(4).toArray(WatchEvent[]::new))), "a watch that starts later");
        assertNull(WatchChecker.compare(LOG, KeyFilter.key("k"), 1, 5, List.of(), delivered(put(2, "k", "x"), put(4, "k", "y"))));
        // Within a revision, any order: the transaction's two puts arrive b first.
        assertNull(compare(3, 4, delivered(put(3, "g/b", "2"), put(3, "g/a", "2"))));
    }

    @Test
    void aLostEventIsCaught() {
        String wrong = compare(1, 8, delivered(put(1, "g/a", "1"), put(3, "g/a", "2"), put(3, "g/b", "2"),
                delete(6, "g/a", 3), delete(6, "g/b", 3), delete(6, "g/c", 5), put(7, "g/a", "7")));
        assertTrue(wrong.startsWith("lost: revision 5's [put g/c='5' v5] never arrived"), wrong);
        String tail = compare(1, 8, delivered(underG(1).subList(0, 7).toArray(WatchEvent[]::new)));
        assertTrue(tail.startsWith("lost: revision 7"), tail);
        String half = compare(1, 8, delivered(put(1, "g/a", "1"), put(3, "g/a", "2"), put(5, "g/c", "5")));
        assertTrue(half.startsWith("wrong: revision 3 delivered [put g/a='2' v3]"), half);
    }

    @Test
    void anEventDeliveredTwiceAcrossAReconnectIsCaught() {
        List<WatchEvent> all = new ArrayList<>(underG(1));
        all.add(3, put(3, "g/b", "2")); // the connection from revision 3 repeats it
        List<SimWatcher.Delivered> got = delivered(all.toArray(WatchEvent[]::new));
        String wrong = compare(1, 8, got);
        assertTrue(wrong.startsWith("twice: revision 3"), wrong);
        List<WatchEvent> again = new ArrayList<>(underG(1));
        again.add(4, put(3, "g/a", "2")); // after revision 5: a revision that comes back
        String back = compare(1, 8, delivered(again.toArray(WatchEvent[]::new)));
        assertTrue(back.startsWith("twice") || back.startsWith("reordered"), back);
    }

    @Test
    void reorderedEventsAreCaught() {
        List<WatchEvent> all = new ArrayList<>(underG(1));
        WatchEvent five = all.remove(3);
        all.add(4, five); // revision 5 after the first delete of 6
        String wrong = compare(1, 8, delivered(all.toArray(WatchEvent[]::new)));
        assertTrue(wrong.startsWith("reordered: revision 5 (put g/c='5' v5") && wrong.contains("after revision 6"), wrong);
    }

    @Test
    void anEventOfAWriteThatNeverCommittedIsCaught() {
        List<WatchEvent> all = new ArrayList<>(underG(1));
        all.add(3, put(4, "g/b", "never")); // revision 4 committed nothing under g/
        String wrong = compare(1, 8, delivered(all.toArray(WatchEvent[]::new)));
        assertTrue(wrong.startsWith("not in the log: revision 4 delivered [put g/b='never' v4]"), wrong);
        assertTrue(wrong.contains("the log's events at 4: [put k='y' v4]"), wrong);
    }

    @Test
    void anEventAtAWrongRevisionOrWithAWrongValueIsCaught() {
        List<WatchEvent> all = new ArrayList<>(underG(1));
        all.set(3, put(4, "g/c", "5")); // revision 5's put reported at 4
        String early = compare(1, 8, delivered(all.toArray(WatchEvent[]::new)));
        assertTrue(early.startsWith("not in the log: revision 4"), early);
        all.set(3, new WatchEvent(5, WatchEvent.Type.PUT, "g/c", "5".getBytes(StandardCharsets.UTF_8), 4, 0)); // version 4
        String version = compare(1, 8, delivered(all.toArray(WatchEvent[]::new)));
        assertTrue(version.startsWith("wrong: revision 5"), version);
        all.set(3, put(5, "g/c", "6"));
        String value = compare(1, 8, delivered(all.toArray(WatchEvent[]::new)));
        assertTrue(value.startsWith("wrong: revision 5 delivered [put g/c='6' v5]"), value);
    }

    @Test
    void eventsOutsideTheFilterOrBeforeTheStartAreCaught() {
        List<WatchEvent> all = new ArrayList<>(underG(1));
        all.add(1, put(2, "k", "x"));
        String other = compare(1, 8, delivered(all.toArray(WatchEvent[]::new)));
        assertTrue(other.startsWith("not in the log: revision 2"), other);
        String before = compare(3, 8, delivered(underG(1).toArray(WatchEvent[]::new)));
        assertTrue(before.startsWith("not in the log: revision 1") && before.contains("the watch starts at 3"), before);
    }

    @Test
    void aCompactedGapExcusesItsRevisions() {
        List<WatchEvent> all = new ArrayList<>(underG(1));
        all.remove(3); // revision 5, inside the gap [4, 6)
        List<SimWatcher.Delivered> got = delivered(all.toArray(WatchEvent[]::new));
        assertNull(WatchChecker.compare(LOG, KeyFilter.prefix("g/"), 1, 8, List.of(new SimWatcher.Gap(4, 6)), got));
        assertTrue(compare(1, 8, got).startsWith("lost: revision 5"));
    }
}
