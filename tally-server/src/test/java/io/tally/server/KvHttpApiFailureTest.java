package io.tally.server;

import io.tally.testkit.harness.Poll;
import io.tally.raft.RaftState;
import org.junit.jupiter.api.Test;

import java.util.List;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The failure semantics: a write proposed by a leader that has lost its quorum is 504 outcome-unknown; once no
 * leader exists, writes and linearizable reads are 503 no-leader (certainly not applied); health is 503.
 */
class KvHttpApiFailureTest {

    @Test
    void outcomeUnknownThenNoLeader() throws Exception {
        // A long election timeout: the leader keeps leading (CheckQuorum) for seconds after losing its majority.
        try (InProcessCluster c = new InProcessCluster(3, "--election-timeout-ms", "2000")) {
            int leader = c.awaitLeader();
            for (int i = 0; i < 3; i++) {
                if (i != leader) {
                    c.nodes.get(i).close(); // the majority is gone
                }
            }
            // Still the leader (CheckQuorum needs an election timeout): the write is proposed and cannot commit.
            assertEquals(RaftState.LEADER, c.nodes.get(leader).raft().state());
            KvHttpApiTest.Resp unknown = call(c, leader, "PUT", "/v1/kv/k?timeout=200ms", "v");
            assertEquals(504, unknown.status(), unknown.text());
            assertEquals("outcome-unknown", unknown.code());
            Poll.until("the leader without a majority steps down (CheckQuorum)", java.time.Duration.ofSeconds(15),
                    () -> c.nodes.get(leader).raft().state() != RaftState.LEADER);
            KvHttpApiTest.Resp noLeader = call(c, leader, "PUT", "/v1/kv/k?timeout=300ms", "v");
            assertEquals(503, noLeader.status(), noLeader.text());
            assertEquals("no-leader", noLeader.code());
            KvHttpApiTest.Resp read = call(c, leader, "GET", "/v1/kv/k?timeout=300ms", null);
            assertEquals(503, read.status(), read.text());
            assertEquals("no-leader", read.code());
            assertEquals(404, call(c, leader, "GET", "/v1/kv/k?consistency=stale", null).status(),
                    "neither write was applied");
            KvHttpApiTest.Resp health = call(c, leader, "GET", "/v1/health", null);
            assertEquals(503, health.status());
            assertTrue(health.text().contains("no-leader"));
        }
    }

    /** Back-pressure: beyond --max-pending-requests a request is refused at once, 503 overloaded with Retry-After. */
    @Test
    void anOverloadedNodeRefusesAtOnceWithRetryAfterAndAppliesNothing() throws Exception {
        try (InProcessCluster c = new InProcessCluster(3, "--election-timeout-ms", "3000", "--max-pending-requests", "2")) {
            int leader = c.awaitLeader();
            for (int i = 0; i < 3; i++) {
                if (i != leader) {
                    c.nodes.get(i).close(); // nothing can commit: what is admitted stays pending
                }
            }
            long last = c.nodes.get(leader).raft().lastLogIndex();
            var client = java.net.http.HttpClient.newHttpClient();
            List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<byte[]>>> held = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + c.http(leader)
                                + "/v1/kv/held" + i + "?timeout=2s")).PUT(java.net.http.HttpRequest.BodyPublishers.ofString("v")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray()));
            }
            Poll.until("both writes proposed", java.time.Duration.ofSeconds(10),
                    () -> c.nodes.get(leader).raft().lastLogIndex() >= last + 2);
            KvHttpApiTest.Resp refused = call(c, leader, "PUT", "/v1/kv/third?timeout=2s", "v");
            assertEquals(503, refused.status(), refused.text());
            assertEquals("overloaded", refused.code());
            assertEquals("1", refused.raw().headers().firstValue("Retry-After").orElse(null));
            assertEquals(last + 2, c.nodes.get(leader).raft().lastLogIndex(), "the refused write was never proposed");
            KvHttpApiTest.Resp read = call(c, leader, "GET", "/v1/kv/held0?timeout=2s", null);
            assertEquals("overloaded", read.code(), "a read is a request like any other");
            for (var f : held) {
                assertEquals(504, f.get().statusCode(), "the admitted writes end as outcome-unknown");
            }
        }
    }

    private static KvHttpApiTest.Resp call(InProcessCluster c, int node, String method, String path, String body) throws Exception {
        var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + c.http(node) + path))
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        var r = java.net.http.HttpClient.newHttpClient().send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        return new KvHttpApiTest.Resp(r.statusCode(), r.body(), r);
    }
}
