package io.tally.server;

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
    /** Acknowledged writes: index -> command. */
    final Map<Long, String> acked = new ConcurrentSkipListMap<>();
    private final Map<Long, String> leaderOfTerm = new ConcurrentHashMap<>();
    private final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread observer;
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
        observer = new Thread(this::observe, "leader-observer");
        observer.setDaemon(true);
    }

    static ProcessCluster loopback(String name, int n) throws IOException {
        return new ProcessCluster(name, n, i -> "127.0.0.1", i -> List.of());
    }

    String clusterFlag() {
        return nodes.stream().map(p -> p.id + "=" + p.raftAddress()).collect(Collectors.joining(","));
    }

    void startAll() throws IOException {
        for (NodeProcess p : nodes) {
            p.start(clusterFlag());
        }
        if (!observer.isAlive()) {
            observer.start();
        }
    }

    NodeProcess node(String id) {
        return nodes.stream().filter(p -> p.id.equals(id)).findFirst().orElseThrow();
    }

    private void observe() {
        while (!closed) {
            for (NodeProcess p : nodes) {
                if (!p.alive()) {
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
            NodeProcess.sleep(20);
        }
    }

    /** The node that is leader at the highest term seen among {@code among}, waiting up to {@code timeout}. */
    NodeProcess awaitLeader(Duration timeout, List<NodeProcess> among) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Map.Entry<NodeProcess, Long>> best = among.stream().filter(NodeProcess::alive)
                    .map(p -> Map.entry(p, client.status(p.httpAddress())))
                    .filter(e -> e.getValue().ok() && e.getValue().body().get("state").asText().equals("leader"))
                    .map(e -> Map.entry(e.getKey(), e.getValue().body().get("term").asLong()))
                    .max(Comparator.comparingLong(Map.Entry::getValue));
            if (best.isPresent()) {
                return best.get().getKey();
            }
            NodeProcess.sleep(20);
        }
        throw new AssertionError("no leader among " + among.stream().map(p -> p.id).toList() + " within " + timeout);
    }

    NodeProcess awaitLeader(Duration timeout) {
        return awaitLeader(timeout, nodes);
    }

    /** Proposes one new command through {@code via} only; the reply as is (acknowledged writes are recorded). */
    NodeClient.Reply proposeVia(NodeProcess via, Duration timeout) {
        String cmd = "cmd-" + (++sequence);
        NodeClient.Reply r = client.propose(via.httpAddress(), cmd, timeout);
        if (r.ok()) {
            acked.put(r.body().get("index").asLong(), cmd);
        }
        return r;
    }

    /** Commits one new command through whichever of {@code among} leads, retrying until {@code timeout}. */
    long commit(Duration timeout, List<NodeProcess> among) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (NodeProcess p : among) {
                if (!p.alive()) {
                    continue;
                }
                NodeClient.Reply r = proposeVia(p, Duration.ofMillis(500));
                if (r.ok()) {
                    return r.body().get("index").asLong();
                }
            }
            NodeProcess.sleep(10);
        }
        throw new AssertionError("no commit through " + among.stream().map(p -> p.id).toList() + " within " + timeout);
    }

    long commit(Duration timeout) {
        return commit(timeout, nodes);
    }

    /** Waits until every running node applied every acknowledged write. */
    void awaitCaughtUp(Duration timeout) {
        long target = acked.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (NodeProcess p : nodes) {
            if (!p.alive()) {
                continue;
            }
            while (true) {
                NodeClient.Reply r = client.status(p.httpAddress());
                if (r.ok() && r.body().get("appliedIndex").asLong() >= target) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail(p.id + " did not apply up to " + target + " within " + timeout + "; status " + r.body());
                }
                NodeProcess.sleep(20);
            }
        }
    }

    /**
     * The safety checks: no two leaders in one term (as observed), every running node applied the same
     * command at every index it applied, and every acknowledged write sits at its index on every node.
     */
    void verify() {
        assertEquals(List.of(), violations, "election safety");
        Map<Long, String> reference = new java.util.TreeMap<>();
        for (NodeProcess p : nodes) {
            if (!p.alive()) {
                continue;
            }
            Map<Long, String> applied = new java.util.HashMap<>();
            for (NodeClient.Applied a : client.applied(p.httpAddress())) {
                applied.put(a.index(), a.command());
                String other = reference.putIfAbsent(a.index(), a.command());
                if (other != null && !other.equals(a.command())) {
                    fail("state machine safety: index " + a.index() + " holds '" + other + "' and '" + a.command()
                            + "' (" + p.id + ")");
                }
            }
            for (Map.Entry<Long, String> e : acked.entrySet()) {
                if (!e.getValue().equals(applied.get(e.getKey()))) {
                    fail("acknowledged write lost: " + p.id + " holds '" + applied.get(e.getKey()) + "' at index "
                            + e.getKey() + ", acknowledged '" + e.getValue() + "'");
                }
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
        observer.join(2000);
    }
}
