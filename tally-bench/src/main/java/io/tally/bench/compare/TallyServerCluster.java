package io.tally.bench.compare;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Three {@code ./tally server} processes on loopback with file storage and the server's defaults, started as the
 * launcher starts them ({@code io.tally.server.cli.Tally server ...}) with the comparison's JVM options.
 */
final class TallyServerCluster implements HttpCluster {

    private static final int NODES = 3;

    private final CompareSettings settings;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private int[] httpPorts;

    TallyServerCluster(CompareSettings settings) {
        this.settings = settings;
    }

    @Override
    public synchronized void ensureStarted() throws Exception {
        if (!nodes.isEmpty()) {
            return;
        }
        int[] raftPorts = Ports.free(NODES);
        httpPorts = Ports.free(NODES);
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < NODES; i++) {
            cluster.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:").append(raftPorts[i])
                    .append("/127.0.0.1:").append(httpPorts[i]);
        }
        Path dir = settings.workDir().resolve("tally-server");
        for (int i = 0; i < NODES; i++) {
            String id = "n" + (i + 1);
            List<String> args = List.of("server", "--id", id, "--data-dir", dir.resolve(id).toString(),
                    "--raft", "127.0.0.1:" + raftPorts[i], "--http", "127.0.0.1:" + httpPorts[i],
                    "--cluster", cluster.toString(), "--storage", "file");
            nodes.add(NodeProcess.start("tally-" + id, NodeProcess.java(settings.jvmOptions(), "io.tally.server.cli.Tally",
                    args), dir.resolve(id + ".log")));
        }
        leaderIndex(Duration.ofSeconds(60));
    }

    @Override
    public InetSocketAddress httpAddress(int i) {
        return new InetSocketAddress("127.0.0.1", httpPorts[i]);
    }

    /** Waits until a node's {@code /v1/status} says it leads; its index. */
    @Override
    public int leaderIndex(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < NODES; i++) {
                if (!nodes.get(i).alive()) {
                    throw new IllegalStateException("Tally node n" + (i + 1) + " exited; its log: " + nodes.get(i).log());
                }
                JsonNode s = ControlHttp.call("http://127.0.0.1:" + httpPorts[i] + "/v1/status", null);
                if (s != null && "leader".equals(s.path("state").asText())) {
                    return i;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the Tally servers elected no leader within " + timeout.toSeconds() + " s; logs in "
                + settings.workDir().resolve("tally-server"));
    }

    @Override
    public List<Long> rssKib() {
        return nodes.stream().map(NodeProcess::rssKib).toList();
    }

    @Override
    public synchronized void close() {
        nodes.forEach(NodeProcess::close);
        nodes.clear();
    }
}
