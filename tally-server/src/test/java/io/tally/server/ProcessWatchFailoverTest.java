package io.tally.server;

import io.tally.client.Page;
import io.tally.client.Range;
import io.tally.client.TallyClient;
import io.tally.client.Watch;
import io.tally.client.WatchEvent;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A watch through two SIGKILLs of the node serving it (issue 14's proof): three node processes, a writer putting
 * values under a prefix one at a time through any node, and a {@link TallyClient} watch whose client knows only n1
 * and n2. A fresh client's watch starts on its first endpoint, n1, and moves to the next one only when its stream
 * fails; so killing n1, restarting it, then killing n2 kills the serving node both times, and events arriving while
 * a killed node is down show that the other one served them. The watcher must receive
 * every acknowledged write at its revision, only writes that were asked for, in revision order, none twice, and end
 * holding exactly what a linearizable range read shows.
 */
class ProcessWatchFailoverTest {

    private static final String PREFIX = "watched/";

    @Test
    void aWatchResumedAfterTwoKillsOfItsNodeMissesNothingAndRepeatsNothing() throws Exception {
        try (ProcessCluster c = ProcessCluster.loopback("watch-failover", 3)) {
            c.startAll();
            c.awaitLeader(Duration.ofSeconds(30));
            NodeProcess n1 = c.node("n1");
            NodeProcess n2 = c.node("n2");
            List<String> all = c.nodes.stream().map(NodeProcess::httpAddress).toList();
            try (TallyClient writer = TallyClient.builder().endpoints(all).timeout(Duration.ofSeconds(10)).build();
                 TallyClient watching = TallyClient.builder().endpoints(n1.httpAddress(), n2.httpAddress())
                         .timeout(Duration.ofSeconds(10)).build()) {
                Recorder rec = new Recorder();
                watching.watch(Watch.prefix(PREFIX).from(1).giveUpAfter(Duration.ofMinutes(2))).subscribe(rec);

                Writes writes = new Writes(writer);
                Thread writing = new Thread(writes, "writer");
                writing.start();
                try {
                    writes.awaitAcknowledged(30);
                    rec.awaitRevision(writes.maxAcknowledged(), "before the first kill");
                    // While a killed node is down, the events can only come from the other node the client knows:
                    // each wait below proves the watch moved.
                    n1.kill();
                    writes.awaitAcknowledged(writes.acknowledged() + 30);
                    rec.awaitRevision(writes.maxAcknowledged(), "while n1 is down (served by n2)");
                    n1.start(c.clusterFlag());
                    n2.kill();
                    writes.awaitAcknowledged(writes.acknowledged() + 30);
                    rec.awaitRevision(writes.maxAcknowledged(), "while n2 is down (served by n1)");
                    n2.start(c.clusterFlag());
                    writes.awaitAcknowledged(writes.acknowledged() + 10);
                } finally {
                    writes.stop.set(true);
                    writing.join();
                }
                assertTrue(rec.error == null, "the watch failed: " + rec.error);

                // The end state, read linearizably, and the watcher's fold of its events must meet.
                Page end = writer.range(Range.prefix(PREFIX));
                Map<String, String> expected = new TreeMap<>();
                end.items().forEach(kv -> expected.put(kv.key(), kv.valueAsString()));
                Poll.until("the watcher holds what the store holds at revision " + end.revision(), Duration.ofSeconds(30),
                        () -> rec.state().equals(expected));

                List<WatchEvent> events = new ArrayList<>(rec.events);
                Set<String> seen = new HashSet<>();
                long last = 0;
                for (WatchEvent e : events) {
                    assertTrue(e.revision() >= last, "events out of revision order at " + e.revision() + " after " + last);
                    last = e.revision();
                    assertTrue(seen.add(e.revision() + " " + e.key()), "an event came twice: " + e.revision() + " " + e.key());
                    assertEquals(WatchEvent.Type.PUT, e.type(), "only puts were written: " + e.key());
                    assertEquals(writes.asked.get(e.valueAsString()), e.key(),
                            "event " + e.revision() + " carries a value never written to that key: " + e.valueAsString());
                }
                for (Map.Entry<Long, String> ack : writes.acked.entrySet()) {
                    assertTrue(seen.contains(ack.getKey() + " " + writes.asked.get(ack.getValue())),
                            "the acknowledged write " + ack.getValue() + " at revision " + ack.getKey() + " never came");
                }
                assertTrue(writes.acked.size() >= 100, "writes acknowledged: " + writes.acked.size());
                System.out.println("watch failover: " + events.size() + " events, " + writes.acked.size()
                        + " writes acknowledged, " + writes.unknown.get() + " with unknown outcome, streams opened on "
                        + "n1 and n2 through two kills");
            }
            c.verify();
        }
    }

    /** Puts value "v{i}" to key "watched/k{i % 40}", one at a time, until stopped. */
    private static final class Writes implements Runnable {
        final TallyClient client;
        final AtomicBoolean stop = new AtomicBoolean();
        /** value -> key, every write asked for. */
        final Map<String, String> asked = new ConcurrentHashMap<>();
        /** revision -> value, the acknowledged writes. */
        final Map<Long, String> acked = new ConcurrentHashMap<>();
        final AtomicInteger unknown = new AtomicInteger();

        Writes(TallyClient client) {
            this.client = client;
        }

        @Override
        public void run() {
            for (int i = 0; !stop.get(); i++) {
                String key = PREFIX + "k" + (i % 40);
                String value = "v" + i;
                asked.put(value, key);
                try {
                    long revision = client.put(key, value.getBytes(StandardCharsets.UTF_8));
                    acked.put(revision, value);
                } catch (RuntimeException e) { // the cluster was electing, or the outcome is unknown
                    unknown.incrementAndGet();
                }
            }
        }

        int acknowledged() {
            return acked.size();
        }

        long maxAcknowledged() {
            return acked.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        }

        void awaitAcknowledged(int n) {
            Poll.until(n + " writes acknowledged", Duration.ofSeconds(60), () -> acked.size() >= n);
        }
    }

    /** Keeps every event; asks for them in batches of 64. */
    private static final class Recorder implements Flow.Subscriber<WatchEvent> {
        final List<WatchEvent> events = new CopyOnWriteArrayList<>();
        volatile Throwable error;
        private Flow.Subscription subscription;
        private int sinceRequest;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(64);
        }

        @Override
        public void onNext(WatchEvent e) {
            events.add(e);
            if (++sinceRequest == 64) {
                sinceRequest = 0;
                subscription.request(64);
            }
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onComplete() {
            error = new IllegalStateException("the watch completed");
        }

        void awaitRevision(long revision, String when) {
            Poll.until("the watcher received revision " + revision + " " + when, Duration.ofSeconds(60),
                    () -> error != null || (!events.isEmpty() && events.get(events.size() - 1).revision() >= revision));
            assertTrue(error == null, "the watch failed " + when + ": " + error);
        }

        Map<String, String> state() {
            Map<String, String> s = new TreeMap<>();
            for (WatchEvent e : events) {
                s.put(e.key(), e.valueAsString());
            }
            return s;
        }
    }
}
