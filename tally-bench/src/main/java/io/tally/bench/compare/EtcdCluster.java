package io.tally.bench.compare;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Three durable etcd members on loopback, each with a data directory of its own (fsync on, etcd's default), shared
 * by the two etcd systems (gateway and gRPC). Every key is overwritten again and again, so old revisions are
 * compacted every minute (what a production etcd does; Kubernetes compacts every 5 minutes) and the backend quota
 * is raised to 8 GiB, so that a long run does not stop at etcd's 2 GiB alarm.
 */
final class EtcdCluster implements HttpCluster {

    private static final int MEMBERS = 3;

    private final CompareSettings settings;
    private final List<NodeProcess> members = new ArrayList<>();
    private int[] clientPorts;
    private Path etcd;
    private String version;

    EtcdCluster(CompareSettings settings) {
        this.settings = settings;
    }

    /** Installs etcd when needed, starts the members once and waits until they have a leader. */
    @Override
    public synchronized void ensureStarted() throws Exception {
        if (!members.isEmpty()) {
            return;
        }
        etcd = EtcdInstaller.ensureInstalled();
        version = EtcdInstaller.version(etcd);
        clientPorts = Ports.free(MEMBERS);
        int[] peerPorts = Ports.free(MEMBERS);
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            initial.append(i == 0 ? "" : ",").append("m").append(i + 1).append("=http://127.0.0.1:").append(peerPorts[i]);
        }
        Path dir = settings.workDir().resolve("etcd");
        for (int i = 0; i < MEMBERS; i++) {
            String name = "m" + (i + 1);
            List<String> cmd = List.of(etcd.toString(), "--name", name, "--data-dir", dir.resolve(name).toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                    "--initial-cluster-token", "tally-compare",
                    "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "1m",
                    "--quota-backend-bytes", Long.toString(8L << 30),
                    "--logger", "zap", "--log-level", "warn");
            members.add(NodeProcess.start("etcd-" + name, cmd, dir.resolve(name + ".log")));
        }
        leaderIndex(Duration.ofSeconds(60));
    }

    String version() {
        return version;
    }

    /** The client URL of member {@code i}, e.g. {@code http://127.0.0.1:2379}. */
    String clientUrl(int i) {
        return "http://127.0.0.1:" + clientPorts[i];
    }

    @Override
    public InetSocketAddress httpAddress(int i) {
        return clientAddress(i);
    }

    InetSocketAddress clientAddress(int i) {
        return new InetSocketAddress("127.0.0.1", clientPorts[i]);
    }

    /** Waits until a member reports itself leader (asking each through the gateway's status call); its index. */
    @Override
    public int leaderIndex(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < MEMBERS; i++) {
                if (!members.get(i).alive()) {
                    throw new IllegalStateException("etcd member " + (i + 1) + " exited; its log: " + members.get(i).log());
                }
                JsonNode s = ControlHttp.call(clientUrl(i) + "/v3/maintenance/status", "{}");
                if (s != null && s.path("leader").asText("").equals(s.path("header").path("member_id").asText("-"))) {
                    return i;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("etcd elected no leader within " + timeout.toSeconds() + " s; logs in "
                + settings.workDir().resolve("etcd"));
    }

    @Override
    public List<Long> rssKib() {
        return members.stream().map(NodeProcess::rssKib).toList();
    }

    @Override
    public synchronized void close() {
        members.forEach(NodeProcess::close);
        members.clear();
    }
}
