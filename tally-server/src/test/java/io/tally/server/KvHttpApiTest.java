package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.raft.RaftState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP API v1 against a live three-node cluster in this JVM: every success and error case of the contract. */
class KvHttpApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static InProcessCluster cluster;
    private static int leader;
    private static int follower;

    record Resp(int status, byte[] body, HttpResponse<byte[]> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String code() {
            return json().get("code").asText();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = new InProcessCluster(3, "--max-value-bytes", "1024");
        leader = cluster.awaitLeader();
        follower = (leader + 1) % 3;
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static Resp call(int node, String method, String pathAndQuery, String body, Map<String, String> headers) throws Exception {
        return call(cluster.http(node), method, pathAndQuery, body, headers);
    }

    /** A request to the node whose HTTP API is at {@code address}; the answer as is. */
    static Resp call(String address, String method, String pathAndQuery, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + address + pathAndQuery))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Resp(r.statusCode(), r.body(), r);
    }

    static Resp call(int node, String method, String pathAndQuery, String body) throws Exception {
        return call(node, method, pathAndQuery, body, Map.of());
    }

    private static void assertError(Resp r, int status, String code) {
        assertEquals(status, r.status(), r.text());
        assertEquals(code, r.code(), r.text());
        assertTrue(r.json().get("error").asText().length() > 3, r.text());
    }

    @Test
    void putGetAndVersions() throws Exception {
        Resp put = call(leader, "PUT", "/v1/kv/greeting", "hello");
        assertEquals(200, put.status(), put.text());
        long version = put.json().get("version").asLong();
        assertTrue(version > 0);
        Resp get = call(leader, "GET", "/v1/kv/greeting", null);
        assertEquals(200, get.status());
        assertEquals("hello", get.text());
        assertEquals(Long.toString(version), get.raw().headers().firstValue("X-Tally-Version").orElseThrow());
        assertError(call(leader, "GET", "/v1/kv/absent", null), 404, "not-found");
    }

    @Test
    void aFollowerForwardsWritesAndLinearizableReadsAndServesStaleReadsItself() throws Exception {
        Resp put = call(follower, "PUT", "/v1/kv/fwd", "via-follower");
        assertEquals(200, put.status(), put.text());
        assertEquals("via-follower", call(follower, "GET", "/v1/kv/fwd", null).text());
        assertEquals("via-follower", call(leader, "GET", "/v1/kv/fwd?consistency=lease", null).text());
        long deadline = System.nanoTime() + 10_000_000_000L;
        Resp stale;
        do {
            stale = call(follower, "GET", "/v1/kv/fwd?consistency=stale", null);
        } while (stale.status() == 404 && System.nanoTime() < deadline);
        assertEquals("via-follower", stale.text());
    }

    @Test
    void compareAndSet() throws Exception {
        Resp created = call(leader, "PUT", "/v1/kv/cas-key?cas=0", "v1");
        assertEquals(200, created.status(), created.text());
        long v1 = created.json().get("version").asLong();
        Resp clash = call(leader, "PUT", "/v1/kv/cas-key?cas=0", "v2");
        assertError(clash, 409, "cas-failed");
        assertEquals(v1, clash.json().get("version").asLong());
        assertError(call(leader, "PUT", "/v1/kv/cas-key?cas=" + (v1 + 1000), "v2"), 409, "cas-failed");
        assertEquals(200, call(leader, "PUT", "/v1/kv/cas-key?cas=" + v1, "v2").status());
        assertEquals("v2", call(leader, "GET", "/v1/kv/cas-key", null).text());
        assertError(call(leader, "DELETE", "/v1/kv/cas-key?cas=" + v1, null), 409, "cas-failed");
    }

    @Test
    void deleteAndAppend() throws Exception {
        call(leader, "PUT", "/v1/kv/del", "x");
        assertEquals(true, call(leader, "DELETE", "/v1/kv/del", null).json().get("deleted").asBoolean());
        assertEquals(false, call(leader, "DELETE", "/v1/kv/del", null).json().get("deleted").asBoolean());
        assertEquals(200, call(leader, "POST", "/v1/kv/log?append", "a").status());
        Resp second = call(follower, "POST", "/v1/kv/log?append", "b");
        assertEquals(200, second.status(), second.text());
        assertTrue(second.json().get("version").asLong() > 0);
        assertEquals("ab", call(leader, "GET", "/v1/kv/log", null).text());
        assertError(call(leader, "POST", "/v1/kv/log", "c"), 400, "bad-request");
    }

    @Test
    void scanReturnsItemsInKeyOrderWithBase64Values() throws Exception {
        for (String k : new String[] {"scan/b", "scan/a", "scan/c", "scanx"}) {
            assertEquals(200, call(leader, "PUT", "/v1/kv/" + k, "v-" + k).status());
        }
        JsonNode items = call(follower, "GET", "/v1/kv?prefix=scan/&limit=2", null).json().get("items");
        assertEquals(2, items.size());
        assertEquals("scan/a", items.get(0).get("key").asText());
        assertEquals("v-scan/a", new String(Base64.getDecoder().decode(items.get(0).get("value").asText()), StandardCharsets.UTF_8));
        assertTrue(items.get(0).get("version").asLong() > 0);
        assertEquals("scan/b", items.get(1).get("key").asText());
        assertError(call(leader, "GET", "/v1/kv", null), 400, "bad-request");
        assertError(call(leader, "GET", "/v1/kv?prefix=scan/&limit=0", null), 400, "bad-request");
    }

    /** Opens a session through {@code node} (a follower forwards it); returns its id. */
    static String openSession(int node) throws Exception {
        Resp r = call(node, "POST", "/v1/sessions", null);
        assertEquals(200, r.status(), r.text());
        String id = r.json().get("session").asText();
        assertTrue(Long.parseLong(id) > 0, r.text());
        return id;
    }

    private static Map<String, String> session(String id, long seq) {
        return Map.of("Tally-Client-Id", id, "Tally-Request-Seq", Long.toString(seq));
    }

    @Test
    void sessionsAreOpenedThroughTheLogWithIdsTheLogChooses() throws Exception {
        long first = Long.parseLong(openSession(leader));
        long second = Long.parseLong(openSession(follower));
        assertTrue(second > first, "each registration is a new log entry: " + first + ", " + second);
        assertError(call(leader, "GET", "/v1/sessions", null), 405, "method-not-allowed");
        assertError(call(follower, "PUT", "/v1/sessions", ""), 405, "method-not-allowed");
    }

    @Test
    void sessionsMakeRetriesExactlyOnce() throws Exception {
        String id = openSession(follower);
        Resp first = call(leader, "POST", "/v1/kv/once?append", "x", session(id, 1));
        assertEquals(200, first.status(), first.text());
        Resp retry = call(follower, "POST", "/v1/kv/once?append", "x", session(id, 1));
        assertEquals(first.json(), retry.json(), "a retry gets the original answer");
        assertEquals("x", call(leader, "GET", "/v1/kv/once", null).text());
        assertEquals(200, call(leader, "POST", "/v1/kv/once?append", "y", session(id, 2)).status());
        assertError(call(leader, "POST", "/v1/kv/once?append", "z", session(id, 1)), 409, "stale-request");
        assertEquals("xy", call(leader, "GET", "/v1/kv/once", null).text());
    }

    @Test
    void aWriteOnASessionTheClusterDoesNotHoldIsRefusedAndAppliesNothing() throws Exception {
        // Never opened (ids are log indexes; this one is far beyond the log): refused on the leader and via a follower.
        for (int node : new int[] {leader, follower}) {
            assertError(call(node, "PUT", "/v1/kv/nosession", "v", session("999999999", 1)), 409, "session-expired");
            assertError(call(node, "POST", "/v1/kv/nosession?append", "v", session("999999999", 2)), 409, "session-expired");
            assertError(call(node, "DELETE", "/v1/kv/nosession", null, session("999999998", 1)), 409, "session-expired");
        }
        assertError(call(leader, "GET", "/v1/kv/nosession", null), 404, "not-found");
    }

    @Test
    void malformedSessionHeadersAreBadRequests() throws Exception {
        String id = openSession(leader);
        for (Map<String, String> h : List.of(Map.of("Tally-Client-Id", id), Map.of("Tally-Request-Seq", "1"),
                session(id, 0), Map.of("Tally-Client-Id", id, "Tally-Request-Seq", "one"),
                Map.of("Tally-Client-Id", "client-7", "Tally-Request-Seq", "1"), session("0", 1), session("-3", 1))) {
            assertError(call(leader, "PUT", "/v1/kv/badsession", "z", h), 400, "bad-request");
            assertError(call(follower, "PUT", "/v1/kv/badsession", "z", h), 400, "bad-request");
        }
        assertError(call(leader, "GET", "/v1/kv/badsession", null), 404, "not-found");
    }

    @Test
    void badInputGetsTheRightStatusAndCode() throws Exception {
        assertError(call(leader, "PUT", "/v1/kv/", "v"), 400, "invalid-key");
        assertError(call(leader, "GET", "/v1/kv/", null), 400, "invalid-key");
        assertError(call(leader, "PUT", "/v1/kv/" + "k".repeat(4097), "v"), 400, "invalid-key");
        assertEquals(200, call(leader, "PUT", "/v1/kv/" + "k".repeat(4096), "v").status(), "4 KiB exactly is allowed");
        assertError(call(leader, "PUT", "/v1/kv/big", "v".repeat(1025)), 413, "value-too-large");
        assertError(call(follower, "PUT", "/v1/kv/big", "v".repeat(1025)), 413, "value-too-large");
        assertEquals(200, call(leader, "PUT", "/v1/kv/big", "v".repeat(1024)).status());
        assertError(call(leader, "GET", "/v1/kv/big?timeout=soon", null), 400, "bad-request");
        assertError(call(leader, "GET", "/v1/kv/big?timeout=0ms", null), 400, "bad-request");
        assertError(call(leader, "GET", "/v1/kv/big?consistency=eventual", null), 400, "bad-request");
        assertError(call(leader, "PUT", "/v1/kv/big?cas=-1", "v"), 400, "bad-request");
        assertError(call(leader, "PUT", "/v1/kv/big?cas=x", "v"), 400, "bad-request");
        assertError(call(leader, "GET", "/v1/kv/big?timeout=1s&timeout=2s", null), 400, "bad-request");
        assertError(call(leader, "PATCH", "/v1/kv/big", "v"), 405, "method-not-allowed");
        assertError(call(leader, "POST", "/v1/status", ""), 405, "method-not-allowed");
        assertError(call(leader, "GET", "/v2/anything", null), 404, "not-found");
    }

    @Test
    void noEndpointRewritesAMembersHttpAddress() throws Exception {
        // The removed PUT /v1/internal/members/{id} let anyone redirect where followers forward writes.
        for (int node : new int[] {leader, follower}) {
            assertError(call(node, "PUT", "/v1/internal/members/n" + (leader + 1), "127.0.0.1:1"), 404, "not-found");
            assertError(call(node, "PUT", "/v1/internal/members/x", "127.0.0.1:1"), 404, "not-found");
        }
        Resp put = call(follower, "PUT", "/v1/kv/still-forwarded", "v");
        assertEquals(200, put.status(), put.text());
        assertEquals(cluster.http(leader), put.raw().headers().firstValue("X-Tally-Leader").orElseThrow());
    }

    @Test
    void statusAndHealth() throws Exception {
        JsonNode s = call(follower, "GET", "/v1/status", null).json();
        assertEquals("n" + (follower + 1), s.get("id").asText());
        assertEquals("follower", s.get("state").asText());
        assertEquals("n" + (leader + 1), s.get("leader").asText());
        for (String f : new String[] {"term", "commitIndex", "appliedIndex", "lastLogIndex"}) {
            assertTrue(s.get(f).asLong() > 0, f);
        }
        assertEquals(3, s.get("members").size());
        for (JsonNode m : s.get("members")) {
            assertNotNull(m.get("raft").asText());
            int i = Integer.parseInt(m.get("id").asText().substring(1)) - 1;
            assertEquals(cluster.http(i), m.get("http").asText(), "from the configuration: " + m);
            assertTrue(m.get("voter").asBoolean());
        }
        assertEquals("leader", call(leader, "GET", "/v1/status", null).json().get("state").asText());
        assertEquals(200, call(follower, "GET", "/v1/health", null).status());
    }

    @Test
    void metricsInPrometheusTextFormat() throws Exception {
        call(leader, "PUT", "/v1/kv/metered", "v");
        call(follower, "GET", "/v1/kv/metered", null);
        Resp m = call(leader, "GET", "/metrics", null);
        assertEquals(200, m.status());
        assertTrue(m.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String text = m.text();
        for (String metric : new String[] {"tally_http_requests_seconds_count{operation=\"put\"",
                "tally_http_requests_seconds_count{operation=\"get\"", "tally_raft_term ", "tally_raft_commit_index ",
                "tally_raft_applied_index ", "tally_raft_last_log_index ", "tally_raft_is_leader 1.0",
                "tally_raft_leader_changes_total ", "tally_log_entries ", "tally_snapshot_bytes ",
                "tally_log_fsync_seconds_count ", "tally_raft_replication_lag_entries{follower=\"n"}) {
            assertTrue(text.contains(metric), metric + " missing from:\n" + text);
        }
        assertTrue(call(follower, "GET", "/metrics", null).text().contains("tally_raft_is_leader 0.0"));
    }
}
