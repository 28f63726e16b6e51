package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /livez}, {@code /readyz} and {@code /v1/health}: what they answer, and that client load cannot block them. */
class ProbesTest {

    @Test
    void everyNodeOfAServingClusterIsLiveAndReadyOnceCaughtUp() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(3)) {
            int leader = cluster.awaitLeader();
            for (int i = 0; i < 3; i++) {
                int n = i;
                assertEquals(200, KvHttpApiTest.call(cluster.http(n), "GET", "/livez", null, java.util.Map.of()).status());
                KvHttpApiTest.Resp ready = Poll.until("node " + n + " ready", Duration.ofSeconds(20), () -> {
                    try {
                        KvHttpApiTest.Resp r = KvHttpApiTest.call(cluster.http(n), "GET", "/readyz", null, java.util.Map.of());
                        return r.status() == 200 ? java.util.Optional.of(r) : java.util.Optional.empty();
                    } catch (Exception e) {
                        return java.util.Optional.empty();
                    }
                });
                JsonNode body = ready.json();
                assertEquals("ok", body.get("status").asText());
                assertEquals("n" + (leader + 1), body.get("leader").asText());
                // The catch-up target is a commit index the leader announced after the start (at least the no-op of
                // the first term, after the bootstrap configuration), and the node has applied it.
                assertTrue(body.get("catchUpIndex").asLong() >= 2, body.toString());
                assertTrue(body.get("appliedIndex").asLong() >= body.get("catchUpIndex").asLong(), body.toString());
                assertEquals(200, KvHttpApiTest.call(cluster.http(n), "GET", "/v1/health", null, java.util.Map.of()).status());
            }
            KvHttpApiTest.Resp post = KvHttpApiTest.call(cluster.http(0), "POST", "/readyz", "", java.util.Map.of());
            assertEquals(405, post.status());
            assertEquals("method-not-allowed", post.json().get("code").asText());
        }
    }

    @Test
    void aNodeThatKnowsNoLeaderIsLiveButNotReady() throws Exception {
        // Three members configured, one started: it can never elect a leader.
        try (InProcessCluster cluster = InProcessCluster.partial(3, 1)) {
            KvHttpApiTest.Resp live = KvHttpApiTest.call(cluster.http(0), "GET", "/livez", null, java.util.Map.of());
            assertEquals(200, live.status());
            KvHttpApiTest.Resp ready = KvHttpApiTest.call(cluster.http(0), "GET", "/readyz", null, java.util.Map.of());
            assertEquals(503, ready.status());
            assertEquals("not-ready", ready.json().get("code").asText());
            assertTrue(ready.json().get("error").asText().contains("knows no leader"), ready.text());
            assertEquals(503, KvHttpApiTest.call(cluster.http(0), "GET", "/v1/health", null, java.util.Map.of()).status());
        }
    }

    @Test
    void probesAreAnsweredWhileTheInFlightBoundIsFull() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(1, "--max-http-in-flight", "1")) {
            cluster.awaitLeader();
            awaitReady(cluster, 0);
            HttpClient http = HttpClient.newHttpClient();
            // A blocking query holds the node's only in-flight place until a change after a revision far ahead.
            CompletableFuture<HttpResponse<String>> held = http.sendAsync(HttpRequest.newBuilder(URI.create("http://"
                    + cluster.http(0) + "/v1/kv/held?index=1000000&wait=30s")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            Poll.until("the blocking query holds the in-flight place", Duration.ofSeconds(20), () -> {
                try {
                    return KvHttpApiTest.call(cluster.http(0), "GET", "/v1/status", null, java.util.Map.of()).status() == 503;
                } catch (Exception e) {
                    return false;
                }
            });
            KvHttpApiTest.Resp status = KvHttpApiTest.call(cluster.http(0), "GET", "/v1/status", null, java.util.Map.of());
            assertEquals("overloaded", status.json().get("code").asText());
            assertEquals(200, KvHttpApiTest.call(cluster.http(0), "GET", "/livez", null, java.util.Map.of()).status());
            assertEquals(200, KvHttpApiTest.call(cluster.http(0), "GET", "/readyz", null, java.util.Map.of()).status());
            assertEquals(200, KvHttpApiTest.call(cluster.http(0), "GET", "/v1/health", null, java.util.Map.of()).status());
            assertFalse(held.isDone(), "the blocking query was still held while the probes were answered");
            held.cancel(true);
        }
    }

    @Test
    void aDrainingNodeIsNotReady() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(1)) {
            cluster.awaitLeader();
            TallyNode node = cluster.nodes.get(0);
            awaitReady(cluster, 0);
            node.readiness().stopping("the node is shutting down");
            KvHttpApiTest.Resp ready = KvHttpApiTest.call(cluster.http(0), "GET", "/readyz", null, java.util.Map.of());
            assertEquals(503, ready.status());
            assertTrue(ready.json().get("error").asText().contains("shutting down"), ready.text());
            assertEquals(200, KvHttpApiTest.call(cluster.http(0), "GET", "/livez", null, java.util.Map.of()).status());
        }
    }

    private static void awaitReady(InProcessCluster cluster, int n) {
        Poll.until("node " + n + " ready", Duration.ofSeconds(20), () -> {
            try {
                return KvHttpApiTest.call(cluster.http(n), "GET", "/readyz", null, java.util.Map.of()).status() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }
}
