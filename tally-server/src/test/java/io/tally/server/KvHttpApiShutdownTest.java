package io.tally.server;

import io.tally.raft.RaftState;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A node that shuts down while a request waits for a write it already proposed must answer 504
 * {@code outcome-unknown}: the write is in the log and may still commit under the next leader. Answering 503 (which
 * clients take as "not applied") would invite a retry that applies it twice.
 */
class KvHttpApiShutdownTest {

    @Test
    void aProposedWriteAnswersOutcomeUnknownWhenTheNodeShutsDown() throws Exception {
        // The whole node: the HTTP API stops first and interrupts the handler waiting for the write.
        proposeThenStop(TallyNode::close);
    }

    @Test
    void aProposedWriteAnswersOutcomeUnknownWhenTheRaftNodeCloses() throws Exception {
        // Only the Raft node: the write's future fails with NodeClosedException while the HTTP API still serves.
        proposeThenStop(n -> n.raft().close());
    }

    private static void proposeThenStop(java.util.function.Consumer<TallyNode> stop) throws Exception {
        // A long election timeout: after losing its followers the leader keeps leading (CheckQuorum waits an
        // election timeout), so the write is proposed and stays uncommitted until the leader is closed.
        try (InProcessCluster c = new InProcessCluster(3, "--election-timeout-ms", "4000")) {
            int leader = c.awaitLeader();
            TallyNode node = c.nodes.get(leader);
            for (int i = 0; i < 3; i++) {
                if (i != leader) {
                    c.nodes.get(i).close(); // the write can no longer commit
                }
            }
            long term = node.raft().term();
            long before = node.raft().lastLogIndex();
            HttpRequest put = HttpRequest.newBuilder(URI.create("http://" + c.http(leader) + "/v1/kv/in-doubt?timeout=60s"))
                    .timeout(Duration.ofSeconds(90)).PUT(HttpRequest.BodyPublishers.ofString("v")).build();
            CompletableFuture<HttpResponse<byte[]>> answer = HttpClient.newHttpClient()
                    .sendAsync(put, HttpResponse.BodyHandlers.ofByteArray());
            Poll.until("the leader proposed the write", Duration.ofSeconds(10), () -> node.raft().lastLogIndex() > before);
            // Still the leader of the same term: the write is pending, not failed by a lost leadership.
            assertEquals(RaftState.LEADER, node.raft().state(), "precondition: the leader still leads");
            assertEquals(term, node.raft().term(), "precondition: the leader still leads");

            stop.accept(node);

            HttpResponse<byte[]> r = answer.get(30, TimeUnit.SECONDS);
            KvHttpApiTest.Resp resp = new KvHttpApiTest.Resp(r.statusCode(), r.body(), r);
            assertEquals(504, resp.status(), resp.text());
            assertEquals("outcome-unknown", resp.code(), resp.text());
        }
    }
}
