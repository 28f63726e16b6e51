package io.tally.server;

import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.tally.server.RawHttp.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower that knows no leader yet keeps a write waiting (retrying on its event loop's timer, no thread held) and
 * forwards it as soon as a leader is elected: the write is answered 200 by the leader, through the follower.
 */
class ForwardingBeforeElectionTest {

    @Test
    void aWriteToAFollowerWithoutALeaderIsForwardedOnceOneIsElected(@TempDir Path dir) throws Exception {
        int[] raft = new int[3];
        int[] http = new int[3];
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            raft[i] = ProcessCluster.freePort();
            http[i] = ProcessCluster.freePort();
            cluster.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:").append(raft[i])
                    .append("/127.0.0.1:").append(http[i]);
        }
        List<TallyNode> nodes = new ArrayList<>();
        try {
            // n1 alone cannot elect anyone, and with an election timeout of a minute it never campaigns in this test:
            // it only follows the leader that n2 and n3 elect later.
            nodes.add(node(dir, 1, raft, http, cluster, "60000"));
            try (RawHttp c = new RawHttp("127.0.0.1:" + http[0])) {
                c.send(request("PUT", "/v1/kv/before-election?timeout=30s", "v"));
                assertTrue(nodes.get(0).raft().leader().isEmpty(), "no leader is known yet");
                nodes.add(node(dir, 2, raft, http, cluster, "300"));
                nodes.add(node(dir, 3, raft, http, cluster, "300"));
                RawHttp.Response r = c.read();
                assertEquals(200, r.status(), r.text());
                String leader = nodes.get(0).raft().leader().orElseThrow();
                assertNotEquals("n1", leader);
                int l = Integer.parseInt(leader.substring(1)) - 1;
                assertEquals("127.0.0.1:" + http[l], r.headers().get("x-tally-leader"), "answered by the leader, forwarded");
                long version = r.json().get("version").asLong();
                Poll.until("n1 applied the write", Duration.ofSeconds(10), () -> nodes.get(0).raft().appliedIndex() >= version);
                assertEquals("v", new String(nodes.get(0).kv().store().get("before-election").orElseThrow().value()));
            }
        } finally {
            for (TallyNode n : nodes) {
                n.close();
            }
        }
    }

    private static TallyNode node(Path dir, int n, int[] raft, int[] http, StringBuilder cluster, String electionMs)
            throws Exception {
        return new TallyNode(ServerOptions.parse(new String[] {"--id", "n" + n, "--data-dir", dir.resolve("n" + n).toString(),
                "--raft", "127.0.0.1:" + raft[n - 1], "--http", "127.0.0.1:" + http[n - 1], "--cluster", cluster.toString(),
                "--storage", "memory", "--election-timeout-ms", electionMs}));
    }
}
