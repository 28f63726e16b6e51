package io.tally.kv;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WatchHubTest {

    /** A watch's executor whose tasks wait until the test runs them: FIFO, one at a time. */
    static final class Queue implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable r) {
            tasks.add(r);
        }

        boolean runOne() {
            Runnable r = tasks.poll();
            if (r != null) {
                r.run();
            }
            return r != null;
        }

        void runAll() {
            while (runOne()) {
                // until idle
            }
        }
    }

    /** Records what a watch was told. */
    static final class Recorder implements WatchListener {
        final List<WatchEvent> events = new ArrayList<>();
        final List<Long> progress = new ArrayList<>();
        long compacted = -1;
        boolean closed;

        @Override
        public void onEvents(List<WatchEvent> batch) {
            assertFalse(batch.isEmpty());
            events.addAll(batch);
        }

        @Override
        public void onProgress(long revision) {
            progress.add(revision);
        }

        @Override
        public void onCompacted(long oldest) {
            compacted = oldest;
        }

        @Override
        public void onClosed() {
            closed = true;
        }
    }

    private static WatchEvent put(long revision, String key) {
        return new WatchEvent(revision, WatchEvent.Type.PUT, key, new byte[] {(byte) revision}, revision, 0);
    }

    private static WatchEvent del(long revision, String key) {
        return new WatchEvent(revision, WatchEvent.Type.DELETE, key, null, revision - 1, 0);
    }

    private final EventHistory history = new EventHistory(1000);
    private final WatchHub hub = new WatchHub(history, 8);

    @Test
    void liveEventsReachTheWatchesOfTheirKeyOrPrefixOnly() {
        Queue q = new Queue();
        Recorder key = new Recorder();
        Recorder prefix = new Recorder();
        Recorder all = new Recorder();
        hub.watch(KeyFilter.key("a/1"), 1, q, key);
        hub.watch(KeyFilter.prefix("a/"), 1, q, prefix);
        hub.watch(KeyFilter.prefix(""), 1, q, all);
        hub.publish(3, List.of(put(3, "a/1"), put(3, "b")));
        hub.publish(5, List.of(del(5, "a/2")));
        hub.publish(6, List.of());
        q.runAll();
        assertEquals(List.of(put(3, "a/1")), key.events);
        assertEquals(List.of(put(3, "a/1"), del(5, "a/2")), prefix.events);
        assertEquals(List.of(put(3, "a/1"), put(3, "b"), del(5, "a/2")), all.events);
    }

    @Test
    void aWatchFromThePastReadsTheHistoryThenFollowsLiveWithoutGapOrRepeat() {
        for (long r = 1; r <= 20; r++) {
            hub.publish(r, List.of(put(r, "k" + (r % 3))));
        }
        Queue q = new Queue();
        Recorder rec = new Recorder();
        hub.watch(KeyFilter.prefix("k"), 5, q, rec);
        q.runOne(); // one batch read from the history
        hub.publish(21, List.of(put(21, "k0")));
        q.runAll();
        hub.publish(22, List.of(put(22, "k1")));
        q.runAll();
        assertEquals(18, rec.events.size());
        for (int i = 0; i < rec.events.size(); i++) {
            assertEquals(5 + i, rec.events.get(i).revision());
        }
    }

    @Test
    void aWatchFromBeforeTheHistoryEndsCompacted() {
        EventHistory small = new EventHistory(10);
        WatchHub h = new WatchHub(small, 8);
        for (long r = 1; r <= 30; r++) {
            h.publish(r, List.of(put(r, "k")));
        }
        assertEquals(21, h.oldest());
        Queue q = new Queue();
        Recorder rec = new Recorder();
        h.watch(KeyFilter.key("k"), 20, q, rec);
        q.runAll();
        assertEquals(21, rec.compacted);
        assertTrue(rec.events.isEmpty());
        assertEquals(0, h.size());
        Recorder ok = new Recorder();
        h.watch(KeyFilter.key("k"), 21, q, ok);
        q.runAll();
        assertEquals(10, ok.events.size());
        assertThrows(IllegalArgumentException.class, () -> h.watch(KeyFilter.key("k"), 0, q, ok));
    }

    @Test
    void aWatchThatStartsInTheFutureWaitsForItsRevision() {
        hub.publish(2, List.of(put(2, "k")));
        Queue q = new Queue();
        Recorder rec = new Recorder();
        hub.watch(KeyFilter.key("k"), 10, q, rec);
        hub.publish(5, List.of(put(5, "k")));
        hub.publish(10, List.of(put(10, "k")));
        q.runAll();
        assertEquals(List.of(put(10, "k")), rec.events);
    }

    @Test
    void aSlowWatchFallsBackToTheHistoryAndStillSeesEveryEventOnce() {
        Queue q = new Queue();
        Recorder rec = new Recorder();
        Watch w = hub.watch(KeyFilter.prefix(""), 1, q, rec);
        w.suspend();
        for (long r = 1; r <= 100; r++) {
            hub.publish(r, List.of(put(r, "a"), put(r, "b"))); // two events per revision: queues overflow mid-way
        }
        q.runAll();
        assertTrue(rec.events.isEmpty(), "nothing while suspended");
        w.resume();
        q.runAll();
        assertEquals(200, rec.events.size());
        for (int i = 0; i < 200; i++) {
            assertEquals(1 + i / 2, rec.events.get(i).revision());
        }
    }

    @Test
    void idleWatchesHearTheRevisionTheyHaveSeenEverythingUpTo() {
        Queue q = new Queue();
        Recorder busy = new Recorder();
        Recorder idle = new Recorder();
        hub.watch(KeyFilter.key("busy"), 1, q, busy);
        hub.watch(KeyFilter.key("idle"), 1, q, idle);
        hub.progress(); // both were just created: nothing yet
        q.runAll();
        assertTrue(idle.progress.isEmpty());
        hub.publish(7, List.of(put(7, "busy")));
        q.runAll();
        hub.progress();
        q.runAll();
        assertEquals(List.of(7L), idle.progress);
        assertTrue(busy.progress.isEmpty(), "it was sent an event since the last round");
        hub.progress();
        q.runAll();
        assertEquals(List.of(7L), busy.progress);
        assertEquals(List.of(7L, 7L), idle.progress);
    }

    @Test
    void aRestoredStoreSendsWatchesBackToTheNewHistory() {
        Queue q = new Queue();
        Recorder rec = new Recorder();
        Recorder behind = new Recorder();
        hub.publish(1, List.of(put(1, "k")));
        hub.watch(KeyFilter.key("k"), 1, q, rec);
        q.runAll();
        hub.watch(KeyFilter.key("k"), 1, new Queue(), behind); // never drained: stays at revision 1
        // A snapshot from a leader at revision 50 holding events from revision 40 on.
        hub.restored(40, 50, List.of(put(45, "k"), put(48, "x")));
        q.runAll();
        assertEquals(1, rec.events.size(), "what it had; revisions 2 to 39 are gone");
        assertEquals(40, rec.compacted);
        hub.watch(KeyFilter.key("k"), 40, q, rec = new Recorder());
        q.runAll();
        assertEquals(List.of(put(45, "k")), rec.events);
    }

    @Test
    void closingTheHubEndsEveryWatch() {
        Queue q = new Queue();
        Recorder rec = new Recorder();
        hub.watch(KeyFilter.key("k"), 1, q, rec);
        hub.close();
        q.runAll();
        assertTrue(rec.closed);
        Recorder late = new Recorder();
        hub.watch(KeyFilter.key("k"), 1, q, late);
        q.runAll();
        assertTrue(late.closed);
    }

    /**
     * Random publishes, watches starting anywhere, consumers that stall, run late and cancel: every watch gets
     * exactly the matching events from its start, in order, or ends compacted having received a prefix of them.
     */
    @Test
    void randomWatchesSeeExactlyTheirEvents() {
        long seed = Long.getLong("tally.test.seed", System.nanoTime());
        System.out.println("WatchHubTest seed " + seed + " (-Dtally.test.seed=" + seed + ")");
        for (int round = 0; round < 50; round++) {
            Random rnd = new Random(seed + round);
            EventHistory h = new EventHistory(1 + rnd.nextInt(200));
            WatchHub hub = new WatchHub(h, 1 + rnd.nextInt(20));
            List<WatchEvent> truth = new ArrayList<>();
            List<Queue> queues = new ArrayList<>();
            List<Recorder> recs = new ArrayList<>();
            List<Watch> watches = new ArrayList<>();
            List<long[]> starts = new ArrayList<>();
            List<KeyFilter> filters = new ArrayList<>();
            long rev = 0;
            for (int step = 0; step < 2000; step++) {
                int what = rnd.nextInt(10);
                if (what < 4) {
                    rev += 1 + rnd.nextInt(3);
                    List<WatchEvent> evs = new ArrayList<>();
                    int n = rnd.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        String key = "k" + rnd.nextInt(6) + "/" + i;
                        evs.add(rnd.nextBoolean() ? put(rev, key) : del(rev, key));
                    }
                    truth.addAll(evs);
                    hub.publish(rev, evs);
                } else if (what == 4 && watches.size() < 30) {
                    KeyFilter f = rnd.nextBoolean() ? KeyFilter.prefix("k" + rnd.nextInt(6)) : KeyFilter.key("k" + rnd.nextInt(6) + "/0");
                    long from = Math.max(1, rev + 2 - rnd.nextInt(250));
                    Queue q = new Queue();
                    Recorder r = new Recorder();
                    watches.add(hub.watch(f, from, q, r));
                    queues.add(q);
                    recs.add(r);
                    starts.add(new long[] {from});
                    filters.add(f);
                } else if (!watches.isEmpty()) {
                    int i = rnd.nextInt(watches.size());
                    switch (what) {
                        case 5, 6, 7 -> queues.get(i).runOne();
                        case 8 -> {
                            if (rnd.nextBoolean()) {
                                watches.get(i).suspend();
                            } else {
                                watches.get(i).resume();
                            }
                        }
                        default -> hub.progress();
                    }
                }
            }
            for (int i = 0; i < watches.size(); i++) {
                watches.get(i).resume();
                queues.get(i).runAll();
                Recorder r = recs.get(i);
                long from = starts.get(i)[0];
                KeyFilter f = filters.get(i);
                List<WatchEvent> expected = truth.stream().filter(e -> e.revision() >= from && f.matches(e.key())).toList();
                String what = "round " + round + " (seed " + (seed + round) + "), watch " + i + " of " + f + " from " + from;
                if (r.compacted >= 0) {
                    assertEquals(expected.subList(0, r.events.size()), r.events, what + ": a prefix before it was compacted");
                    assertTrue(r.compacted > (r.events.isEmpty() ? from : r.events.get(r.events.size() - 1).revision()), what);
                } else {
                    assertEquals(expected, r.events, what);
                    for (long p : r.progress) {
                        assertTrue(p <= rev, what);
                    }
                }
            }
        }
    }
}
