package io.tally.server;

import io.tally.testkit.harness.Poll;
import io.tally.raft.RaftState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Key/value nodes ({@link TallyNode}, in-memory storage) in this JVM on loopback, for HTTP API tests. */
public final class InProcessCluster implements AutoCloseable {

    public final List<TallyNode> nodes = new ArrayList<>();
    private final Path dir;

    public InProcessCluster(int n, String... extraFlags) throws Exception {
        this(n, Duration.ofHours(1), extraFlags);
    }

    /** With client sessions that expire after {@code sessionTtl} idle (by the log clock). */
    InProcessCluster(int n, Duration sessionTtl, String... extraFlags) throws Exception {
        this(n, n, sessionTtl, extraFlags);
    }

    /** {@code members} configured as the initial voters, only the first {@code started} of them running. */
    static InProcessCluster partial(int members, int started) throws Exception {
        return new InProcessCluster(members, started, Duration.ofHours(1));
    }

    private InProcessCluster(int n, int started, Duration sessionTtl, String... extraFlags) throws Exception {
        dir = Files.createTempDirectory("tally-http-test");
        int[] raft = new int[n];
        int[] http = new int[n];
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < n; i++) {
            raft[i] = ProcessCluster.freePort();
            http[i] = ProcessCluster.freePort();
            cluster.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:").append(raft[i])
                    .append("/127.0.0.1:").append(http[i]);
        }
        for (int i = 0; i < started; i++) {
            List<String> args = new ArrayList<>(List.of("--id", "n" + (i + 1), "--data-dir", dir.resolve("n" + (i + 1)).toString(),
                    "--raft", "127.0.0.1:" + raft[i], "--http", "127.0.0.1:" + http[i],
                    "--cluster", cluster.toString(), "--storage", "memory"));
            args.addAll(List.of(extraFlags));
            nodes.add(new TallyNode(ServerOptions.parse(args.toArray(String[]::new)), sessionTtl));
        }
    }

    public String http(int i) {
        return "127.0.0.1:" + nodes.get(i).httpAddress().getPort();
    }

    /**
     * The leader's index, once one leads, has committed an entry of its term (its no-op, after the bootstrap
     * configuration at index 1), and every node knows it as the leader.
     */
    public int awaitLeader() {
        return Poll.until("a leader known to every node", Duration.ofSeconds(20), () -> {
            for (int i = 0; i < nodes.size(); i++) {
                var raft = nodes.get(i).raft();
                if (raft.state() == RaftState.LEADER && raft.commitIndex() >= 2
                        && nodes.stream().allMatch(n -> n.raft().leader().filter(raft.id()::equals).isPresent())) {
                    return java.util.Optional.of(i);
                }
            }
            return java.util.Optional.empty();
        });
    }

    @Override
    public void close() throws IOException {
        for (TallyNode n : nodes) {
            n.close();
        }
        ProcessCluster.deleteRecursively(dir);
    }
}
