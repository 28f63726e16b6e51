package io.tally.server;

import io.tally.testkit.harness.Poll;
import io.tally.client.ClusterUnavailableException;
import io.tally.client.Consistency;
import io.tally.client.KeyValue;
import io.tally.client.OutcomeUnknownException;
import io.tally.client.TallyClient;
import io.tally.client.TallyException;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.LinearizabilityChecker;
import io.tally.testkit.linearizability.Operation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Five concurrent clients (TallyClient, all three endpoints) append to and read five keys of a 3-process
 * cluster on loopback with file storage, while the leader is killed with SIGKILL and restarted, twice. The
 * recorded history — writes whose outcome stayed unknown included as such — must be linearizable.
 */
class ProcessLinearizabilityTest {

    @Test
    void concurrentClientsThroughLeaderKillsStayLinearizable() throws Exception {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong());
        System.out.println("ProcessLinearizabilityTest seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
        List<Operation<KvModel.Input, String>> history = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        try (ProcessCluster c = ProcessCluster.loopback("linearizable", 3)) {
            c.startAll();
            c.awaitLeader(Duration.ofSeconds(30));
            List<String> endpoints = c.nodes.stream().map(NodeProcess::httpAddress).toList();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                SplittableRandom rnd = new SplittableRandom(seed + i);
                Thread t = new Thread(() -> runClient(id, rnd, endpoints, history, stop), "client-" + i);
                clients.add(t);
                t.start();
            }
            // The faults follow the clients' progress: each step waits for more completed operations.
            for (int round = 0; round < 2; round++) {
                awaitProgress(history, 150, "before killing the leader");
                NodeProcess leader = c.awaitLeader(Duration.ofSeconds(30));
                leader.kill();
                awaitProgress(history, 100, "with the leader dead (a new one must serve)");
                leader.start(c.clusterFlag());
            }
            awaitProgress(history, 150, "after the last restart");
            stop.set(true);
            for (Thread t : clients) {
                t.join(30_000);
            }
        }
        long completed = history.stream().filter(o -> !o.outcomeUnknown()).count();
        System.out.printf("history: %d operations (%d with unknown outcome)%n", history.size(), history.size() - completed);
        assertTrue(completed > 100, "the clients made progress: " + completed);
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(new KvModel(), new ArrayList<>(history), Duration.ofSeconds(60));
        assertTrue(r.ok(), r.report());
    }

    /** Waits until the clients completed {@code more} further operations. */
    static void awaitProgress(List<Operation<KvModel.Input, String>> history, int more, String when) {
        int from = completed(history);
        Poll.until(more + " more completed operations " + when, Duration.ofSeconds(60), () -> completed(history) >= from + more);
    }

    private static int completed(List<Operation<KvModel.Input, String>> history) {
        synchronized (history) {
            return (int) history.stream().filter(o -> !o.outcomeUnknown()).count();
        }
    }

    /** One client's loop: appends to and linearizable reads of five keys, recorded in {@code history} until {@code stop}. */
    static void runClient(int id, SplittableRandom rnd, List<String> endpoints,
                                  List<Operation<KvModel.Input, String>> history, AtomicBoolean stop) {
        try (TallyClient client = TallyClient.connect(endpoints, Duration.ofSeconds(3))) {
            int n = 0;
            while (!stop.get()) {
                String key = "k" + rnd.nextInt(5);
                boolean write = rnd.nextInt(2) == 0;
                String value = "x" + id + "." + (n++) + "y";
                KvModel.Input in = write ? KvModel.Input.append(key, value) : KvModel.Input.get(key);
                long call = System.nanoTime();
                try {
                    if (write) {
                        client.append(key, value.getBytes(StandardCharsets.UTF_8));
                        history.add(new Operation<>(id, in, "ok", call, System.nanoTime()));
                    } else {
                        Optional<KeyValue> kv = client.get(key, Consistency.LINEARIZABLE, Duration.ofSeconds(3));
                        history.add(new Operation<>(id, in, kv.map(KeyValue::valueAsString).orElse(""), call, System.nanoTime()));
                    }
                } catch (OutcomeUnknownException e) {
                    history.add(Operation.unknown(id, in, call)); // may take effect at any later time, or never
                } catch (ClusterUnavailableException e) {
                    // certainly not applied (writes) or not served (reads): not part of the history
                } catch (TallyException e) {
                    throw new AssertionError("client " + id + ": unexpected " + e.code() + ": " + e.getMessage(), e);
                }
            }
        }
    }
}
