package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page's endpoints against live three-node clusters in this JVM: its files, {@code /v1/ui/node} and
 * {@code /v1/ui/cluster} (every member gathered by a follower, samples, events, a member that stopped), bad parameters.
 * The page itself, in a browser, is {@link StatusPageBrowserTest}.
 */
class StatusPageHttpTest {

    private static KvHttpApiTest.Resp get(InProcessCluster c, int node, String pathAndQuery) throws Exception {
        return KvHttpApiTest.call(c.http(node), "GET", pathAndQuery, null, Map.of());
    }

    @Test
    void thePageAndItsFilesAreServedFromTheJar() throws Exception {
        try (InProcessCluster c = new InProcessCluster(1)) {
            KvHttpApiTest.Resp page = get(c, 0, "/ui");
            assertEquals(200, page.status());
            assertTrue(page.raw().headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
            assertTrue(page.text().contains("src=\"ui/app.js\""), "relative URLs: " + page.text());
            assertTrue(page.raw().headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'self'"));
            Map<String, String> types = Map.of("app.js", "text/javascript", "chart.js", "text/javascript",
                    "keys.js", "text/javascript", "style.css", "text/css");
            for (Map.Entry<String, String> f : types.entrySet()) {
                KvHttpApiTest.Resp r = get(c, 0, "/ui/" + f.getKey());
                assertEquals(200, r.status(), f.getKey());
                assertTrue(r.body().length > 100, f.getKey());
                assertTrue(r.raw().headers().firstValue("Content-Type").orElseThrow().startsWith(f.getValue()), f.getKey());
            }
            KvHttpApiTest.Resp slash = get(c, 0, "/ui/");
            assertEquals(308, slash.status());
            assertEquals("../ui", slash.raw().headers().firstValue("Location").orElseThrow());
            for (String missing : new String[] {"/ui/index.html", "/ui/nope.js", "/ui/../metrics"}) {
                KvHttpApiTest.Resp r = get(c, 0, missing);
                assertEquals(404, r.status(), missing);
                assertEquals("not-found", r.code());
            }
            KvHttpApiTest.Resp post = KvHttpApiTest.call(c.http(0), "POST", "/ui", "x", Map.of());
            assertEquals(405, post.status());
        }
    }

    @Test
    void badParametersAreRefused() throws Exception {
        try (InProcessCluster c = new InProcessCluster(1)) {
            for (String q : new String[] {"/v1/ui/cluster?history=301", "/v1/ui/cluster?events=257", "/v1/ui/node?history=-1",
                    "/v1/ui/node?events=many", "/v1/ui/cluster?history=1&history=2"}) {
                KvHttpApiTest.Resp r = get(c, 0, q);
                assertEquals(400, r.status(), q + ": " + r.text());
                assertEquals("bad-request", r.code(), q);
            }
        }
    }

    @Test
    void aFollowerGathersEveryMemberWithSamplesAndEvents() throws Exception {
        try (InProcessCluster c = new InProcessCluster(3)) {
            int leader = c.awaitLeader();
            int follower = (leader + 1) % 3;
            String leaderId = "n" + (leader + 1);
            for (int i = 0; i < 20; i++) {
                KvHttpApiTest.Resp put = KvHttpApiTest.call(c.http(leader), "PUT", "/v1/kv/k" + i, "v" + i, Map.of());
                assertEquals(200, put.status(), put.text());
            }
            c.nodes.get(leader).raft().snapshot().get();

            // A sample of the leader records the writes: their rate, latency and the commit index growing.
            JsonNode busy = Poll.until("a sample of the leader with the writes", Duration.ofSeconds(10), () -> {
                try {
                    for (JsonNode s : get(c, follower, "/v1/ui/cluster?history=300").json().get("members")) {
                        if (s.get("id").asText().equals(leaderId)) {
                            for (JsonNode sample : s.get("samples")) {
                                if (sample.get("writesPerSec").asDouble() > 0) {
                                    return Optional.of(sample);
                                }
                            }
                        }
                    }
                    return Optional.empty();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertTrue(busy.get("writeP99Ms").asDouble() > 0, busy.toString());
            assertTrue(busy.get("writeP50Ms").asDouble() <= busy.get("writeP99Ms").asDouble(), busy.toString());
            assertTrue(busy.get("commitsPerSec").asDouble() > 0, busy.toString());
            assertEquals("leader", busy.get("state").asText());

            JsonNode view = Poll.until("a sample of every member", Duration.ofSeconds(10), () -> {
                try {
                    JsonNode v = get(c, follower, "/v1/ui/cluster?history=300&events=256").json();
                    boolean all = true;
                    for (JsonNode m : v.get("members")) {
                        all &= m.path("samples").size() > 0;
                    }
                    return all ? Optional.of(v) : Optional.empty();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals("n" + (follower + 1), view.get("node").asText());
            assertEquals(leaderId, view.get("leader").asText());
            assertEquals(3, view.get("members").size(), view.toString());
            Map<String, JsonNode> byId = new HashMap<>();
            view.get("members").forEach(m -> byId.put(m.get("id").asText(), m));
            for (int i = 0; i < 3; i++) {
                JsonNode m = byId.get("n" + (i + 1));
                assertEquals(i == leader ? "leader" : "follower", m.get("role").asText(), m.toString());
                assertTrue(m.get("reachable").asBoolean());
                assertEquals(c.http(i), m.get("http").asText());
                assertTrue(m.get("lag").isNumber(), "the leader's progress gives every lag: " + m);
                assertTrue(m.get("commitIndex").asLong() >= 21, m.toString());
                assertEquals(0, m.get("lastContactMs").asLong(), 1000, m.toString());
            }
            // Events: the bootstrap configuration and the election on every node, the snapshot on the leader.
            JsonNode leaderEvents = byId.get(leaderId).get("events");
            assertTrue(has(leaderEvents, "membership:1"), leaderEvents.toString());
            long term = byId.get(leaderId).get("term").asLong();
            assertTrue(has(byId.get("n" + (follower + 1)).get("events"), "leader:" + term + ":" + leaderId));
            JsonNode snapshot = null;
            for (JsonNode e : leaderEvents) {
                if (e.get("kind").asText().equals("snapshot")) {
                    snapshot = e;
                }
            }
            assertNotNull(snapshot, leaderEvents.toString());
            assertTrue(snapshot.get("index").asLong() >= 21, snapshot.toString());
            assertEquals(term, snapshot.get("term").asLong());

            // Asked for fewer, a node gives its newest samples and events, oldest first, numbered without gaps.
            JsonNode few = Poll.until("the leader has two samples", Duration.ofSeconds(10), () -> {
                try {
                    JsonNode n = get(c, leader, "/v1/ui/node?history=2&events=2").json();
                    return n.get("samples").size() == 2 ? Optional.of(n) : Optional.empty();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(2, few.get("samples").size());
            assertEquals(few.get("samples").get(0).get("seq").asLong() + 1, few.get("samples").get(1).get("seq").asLong());
            assertEquals(2, few.get("events").size());
            assertEquals(few.get("events").get(0).get("seq").asLong() + 1, few.get("events").get(1).get("seq").asLong());
            assertTrue(few.get("eventSeq").asLong() >= few.get("events").get(1).get("seq").asLong(), few.toString());
            assertTrue(few.get("progress").isObject(), "the leader reports its followers' match indexes: " + few);
        }
    }

    @Test
    void aMemberThatStoppedIsUnreachable() throws Exception {
        try (InProcessCluster c = new InProcessCluster(3)) {
            int leader = c.awaitLeader();
            int stopped = (leader + 1) % 3;
            int asked = (leader + 2) % 3;
            c.nodes.get(stopped).close();
            JsonNode view = get(c, asked, "/v1/ui/cluster").json();
            for (JsonNode m : view.get("members")) {
                boolean isStopped = m.get("id").asText().equals("n" + (stopped + 1));
                assertEquals(!isStopped, m.get("reachable").asBoolean(), m.toString());
                if (isStopped) {
                    assertEquals("unreachable", m.get("role").asText());
                    assertFalse(m.get("error").asText().isEmpty(), m.toString());
                    assertTrue(m.get("lag").isNumber(), "the leader still tracks it: " + m);
                    assertFalse(m.has("samples"), m.toString());
                } else {
                    assertEquals(m.get("id").asText().equals("n" + (leader + 1)) ? "leader" : "follower", m.get("role").asText());
                }
            }
            assertEquals("n" + (leader + 1), view.get("leader").asText());
        }
    }

    private static boolean has(JsonNode events, String key) {
        for (JsonNode e : events) {
            if (e.get("key").asText().equals(key)) {
                return true;
            }
        }
        return false;
    }
}
