package io.tally.server;

import io.tally.client.KeyValue;
import io.tally.client.RetryPolicy;
import io.tally.client.TallyClient;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM under client load, on real node processes: a stopping follower and a stopping leader (which first hands
 * leadership to the most up-to-date voter and drains its requests) cost no client more than one retry, and lose no
 * acknowledged write. Every client allows each call two tries in all, so a call that needed a second retry fails the
 * test. A node that cannot reach a quorum any more still stops within the bound.
 */
class ProcessGracefulShutdownTest {

    /** Generous beside the server's own bound (ServerMain.HALT_AFTER), for a slow, shared machine. */
    private static final Duration STOP_WITHIN = ServerMain.HALT_AFTER.plusSeconds(10);
    private static final int CLIENTS = 4;

    @Test
    void sigtermOnTheLeaderUnderLoadCostsNoClientASecondRetryAndLosesNoWrite() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.loopback("graceful", 3);
             Load load = new Load(cluster.nodes.stream().map(NodeProcess::httpAddress).toList())) {
            cluster.startAll();
            NodeProcess leader = cluster.awaitLeader(Duration.ofSeconds(30));
            load.start();
            load.awaitMoreAcks(50);

            // A follower first: it has nothing to hand over; it drains and stops. Then it comes back.
            NodeProcess follower = cluster.nodes.stream().filter(p -> p != leader).findFirst().orElseThrow();
            follower.stop(STOP_WITHIN);
            load.awaitMoreAcks(50);
            follower.start(cluster.clusterFlag());
            Poll.until(follower.id + " is ready again", Duration.ofSeconds(30),
                    () -> cluster.client.get(follower.httpAddress(), "/readyz").ok());

            // The leader: it hands leadership over, then drains and stops, while the clients keep writing.
            long before = load.acked.size();
            leader.stop(STOP_WITHIN);
            assertTrue(leader.log().contains("handed leadership to"), "the leader handed leadership over; log:\n"
                    + NodeProcess.tail(leader.log()));
            load.awaitMoreAcks(100);
            load.stop();
            assertEquals(List.of(), load.failures, "calls that needed more than one retry, or failed");
            assertTrue(load.acked.size() > before, "writes went on after the leader stopped");

            // Every acknowledged write is on the cluster, at its acknowledged version.
            List<NodeProcess> running = cluster.nodes.stream().filter(NodeProcess::alive).toList();
            try (TallyClient reader = TallyClient.builder().endpoints(running.stream().map(NodeProcess::httpAddress).toList())
                    .timeout(Duration.ofSeconds(20)).build()) {
                for (Map.Entry<String, Long> w : load.acked.entrySet()) {
                    Optional<KeyValue> kv = reader.get(w.getKey());
                    assertTrue(kv.isPresent(), "acknowledged write " + w.getKey() + " lost");
                    assertEquals(w.getValue(), kv.get().version(), "version of " + w.getKey());
                }
            }

            // Without a quorum (one of the two left is killed), the last node still stops within the bound.
            running.get(0).kill();
            running.get(1).stop(STOP_WITHIN);
        }
    }

    /** Client threads writing new keys as fast as they can, each call allowed one retry at most. */
    private static final class Load implements AutoCloseable {
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final List<String> endpoints;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong acks = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private final List<TallyClient> clients = new ArrayList<>();

        Load(List<String> endpoints) {
            this.endpoints = endpoints;
        }

        void start() {
            for (int c = 0; c < CLIENTS; c++) {
                TallyClient client = TallyClient.builder().endpoints(endpoints).timeout(Duration.ofSeconds(20))
                        .attemptTimeout(Duration.ofSeconds(10))
                        .retryPolicy(RetryPolicy.defaults().withMaxAttempts(2)).build();
                clients.add(client);
                int id = c;
                Thread t = new Thread(() -> {
                    for (int i = 0; running.get(); i++) {
                        String key = "g" + id + "-" + i;
                        try {
                            long version = client.put(key, ("v" + i).getBytes(UTF_8));
                            acked.put(key, version);
                            acks.incrementAndGet();
                        } catch (RuntimeException e) {
                            failures.add(key + ": " + e);
                        }
                    }
                }, "load-" + c);
                threads.add(t);
                t.start();
            }
        }

        void awaitMoreAcks(long n) {
            long target = acks.get() + n;
            Poll.until(n + " more acknowledged writes (failures so far: " + failures + ")", Duration.ofSeconds(60),
                    () -> acks.get() >= target);
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            for (TallyClient c : clients) {
                c.close();
            }
        }
    }
}
