package io.tally.server;

import io.tally.testkit.harness.Poll;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A cluster of node processes for real-time fault tests, with the checks those tests share: one leader per
 * term (watched by a background observer polling every node's status), no acknowledged write lost, and no
 * two nodes applying different commands at one index. Waits poll with deadlines; nothing sleeps for an outcome.
 */
final class ProcessCluster implements AutoCloseable {

    final List<NodeProcess> nodes = new ArrayList<>();
    final NodeClient client = new NodeClient();
    /** Acknowledged writes: key -> (value, version); every key is written once. */
    final Map<String, NodeClient.Item> acked = new ConcurrentSkipListMap<>();
    private final Map<Long, String> leaderOfTerm = new ConcurrentHashMap<>();
    private final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.ScheduledExecutorService observer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "leader-observer");
                t.setDaemon(true);
                return t;
            });
    private boolean observing;
    private volatile boolean closed;
    private int sequence;

    /** Builds (does not start) {@code n} nodes; {@code host} gives node i's (raft host, http host). */
    ProcessCluster(String name, int n, Function<Integer, String> host, Function<Integer, List<String>> prefix)
            throws IOException {
        Path base = Path.of("target", "process-tests", name + "-" + ProcessHandle.current().pid()).toAbsolutePath();
        deleteRecursively(base);
        for (int i = 1; i <= n; i++) {
            String h = host.apply(i);
            boolean loopback = h.startsWith("127.");
            nodes.add(new NodeProcess("n" + i, h, loopback ? freePort() : 7000, h, loopback ? freePort() : 8000,
                    base.resolve("n" + i), base.resolve("logs"), prefix.apply(i), List.of()));
        }
    }

    static ProcessCluster loopback(String name, int n) throws IOException {
        return new ProcessCluster(name, n, i -> "127.0.0.1", i -> List.of());
    }

    /** The {@code --cluster} value that makes all these nodes the initial voters. */
    String clusterFlag() {
        return clusterFlag(nodes);
    }

    /** {@code ID=RAFT/HTTP,...} of {@code members}. */
    static String clusterFlag(List<NodeProcess> members) {
        return members.stream().map(p -> p.id + "=" + p.raftAddress() + "/" + p.httpAddress()).collect(Collectors.joining(","));
    }

    void startAll() throws IOException {
        start(nodes);
    }

    /** Starts {@code initial} as a new cluster of just those nodes (the others stay down, to be added later). */
    void start(List<NodeProcess> initial) throws IOException {
        String flag = clusterFlag(initial);
        for (NodeProcess p : initial) {
            p.start(flag);
        }
        if (!observing) {
            observing = true;
            observer.scheduleWithFixedDelay(this::observe, 0, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    NodeProcess node(String id) {
        return nodes.stream().filter(p -> p.id.equals(id)).findFirst().orElseThrow();
    }

    /** One sample of every running node's status (every 20 ms): records which node leads in which term. */
    private void observe() {
        for (NodeProcess p : nodes) {
            if (closed || !p.alive()) {
                continue;
            }
            NodeClient.Reply r = client.status(p.httpAddress());
            if (r.ok() && r.body().get("state").asText().equals("leader")) {
                long term = r.body().get("term").asLong();
                String prev = leaderOfTerm.putIfAbsent(term, p.id);
                if (prev != null && !prev.equals(p.id)) {
                    violations.add("two leaders in term " + term + ": " + prev + " and " + p.id);
                }
            }
        }
    }

    /** The node that is leader at the highest term seen among {@code among}, waiting up to {@code timeout}. */
    NodeProcess awaitLeader(Duration timeout, List<NodeProcess> among) {
        return Poll.until("a leader among " + among.stream().map(p -> p.id).toList(), timeout,
                () -> among.stream().filter(NodeProcess::alive)
                        .map(p -> Map.entry(p, client.status(p.httpAddress())))
                        .filter(e -> e.getValue().ok() && e.getValue().body().get("state").asText().equals("leader"))
                        .max(Comparator.comparingLong(e -> e.getValue().body().get("term").asLong()))
                        .map(Map.Entry::getKey));
    }

    NodeProcess awaitLeader(Duration timeout) {
        return awaitLeader(timeout, nodes);
    }

    /** Writes one new key through {@code via} only; the reply as is (acknowledged writes are recorded). */
    NodeClient.Reply proposeVia(NodeProcess via, Duration timeout) {
        int n = ++sequence;
        String key = String.format("w%06d", n);
        String value = "value-" + n;
        NodeClient.Reply r = client.put(via.httpAddress(), key, value, timeout);
        if (r.ok()) {
            acked.put(key, new NodeClient.Item(key, value, r.body().get("version").asLong()));
        }
        return r;
    }

    /**
     * Commits one new write through {@code among} (a follower forwards it to the leader), retrying until
     * {@code timeout}; returns its version (Raft index).
     */
    long commit(Duration timeout, List<NodeProcess> among) {
        return Poll.until("a commit through " + among.stream().map(p -> p.id).toList(), timeout, () -> {
            for (NodeProcess p : among) {
                if (p.alive()) {
                    NodeClient.Reply r = proposeVia(p, Duration.ofMillis(500));
                    if (r.ok()) {
                        return Optional.of(r.body().get("version").asLong());
                    }
                }
            }
            return Optional.empty();
        });
    }

    long commit(Duration timeout) {
        return commit(timeout, nodes);
    }

    /** Waits until every running node applied every acknowledged write. */
    void awaitCaughtUp(Duration timeout) {
        long target = acked.values().stream().mapToLong(NodeClient.Item::version).max().orElse(0);
        Poll.until("every running node applied up to " + target, timeout, () -> nodes.stream().filter(NodeProcess::alive)
                .map(p -> client.status(p.httpAddress()))
                .allMatch(r -> r.ok() && r.body().get("appliedIndex").asLong() >= target));
    }

    /**
     * The safety checks: no two leaders in one term (as observed); every running node holds the same value and
     * version for every key (versions are Raft indexes, so two nodes that applied different commands at one
     * index differ here); every acknowledged write is on every node with its acknowledged version.
     */
    void verify() {
        assertEquals(List.of(), violations, "election safety");
        // Writes whose outcome was unknown may still be applying; compare what every node has applied for sure.
        long target = acked.values().stream().mapToLong(NodeClient.Item::version).max().orElse(0);
        Map<String, NodeClient.Item> reference = null;
        String referenceNode = null;
        for (NodeProcess p : nodes) {
            if (!p.alive()) {
                continue;
            }
            Map<String, NodeClient.Item> state = new java.util.TreeMap<>();
            for (NodeClient.Item item : client.scanLocal(p.httpAddress(), "w")) {
                if (item.version() <= target) {
                    state.put(item.key(), item);
                }
            }
            for (NodeClient.Item a : acked.values()) {
                if (!a.equals(state.get(a.key()))) {
                    fail("acknowledged write lost: " + p.id + " holds " + state.get(a.key()) + ", acknowledged " + a);
                }
            }
            if (reference == null) {
                reference = state;
                referenceNode = p.id;
            } else if (!reference.equals(state)) {
                fail("replicas diverge: " + referenceNode + " holds " + reference + " but " + p.id + " holds " + state);
            }
        }
    }

    int leadersObserved() {
        return leaderOfTerm.size();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        for (NodeProcess p : nodes) {
            if (p.alive()) {
                p.resume0();
                p.kill();
            }
        }
        observer.shutdownNow();
        observer.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
