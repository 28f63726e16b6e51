package io.tally.server;

import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A session that expired (a live cluster whose sessions expire after one second idle): a request on it, the retry
 * of one that applied included, is 409 {@code session-expired} and applies nothing; a new session works.
 */
class KvHttpApiSessionExpiryTest {

    @Test
    void aRequestOnAnExpiredSessionIsRefusedAndNeverAppliedTwice() throws Exception {
        try (InProcessCluster c = new InProcessCluster(3, Duration.ofSeconds(1))) {
            int leader = c.awaitLeader();
            int follower = (leader + 1) % 3;
            String s = open(c, follower);
            assertEquals(200, call(c, leader, "POST", "/v1/kv/k?append", "x", session(s, 1)).status());
            // The log clock moves with the stamps of new entries: write elsewhere until the session has expired.
            long id = Long.parseLong(s);
            Poll.until("session " + s + " expires", Duration.ofSeconds(30), () -> {
                try {
                    call(c, leader, "PUT", "/v1/kv/tick", "t", Map.of());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return !c.nodes.get(leader).kv().store().holdsSession(id);
            });
            // The retry of the write that applied (its answer lost, say): refused, not applied a second time.
            KvHttpApiTest.Resp retry = call(c, follower, "POST", "/v1/kv/k?append", "x", session(s, 1));
            assertEquals(409, retry.status(), retry.text());
            assertEquals("session-expired", retry.code());
            KvHttpApiTest.Resp next = call(c, leader, "POST", "/v1/kv/k?append", "y", session(s, 2));
            assertEquals(409, next.status(), next.text());
            assertEquals("session-expired", next.code());
            assertEquals("x", call(c, leader, "GET", "/v1/kv/k", null, Map.of()).text());
            // A new session carries on.
            String s2 = open(c, leader);
            assertEquals(200, call(c, follower, "POST", "/v1/kv/k?append", "y", session(s2, 1)).status());
            assertEquals("xy", call(c, leader, "GET", "/v1/kv/k", null, Map.of()).text());
        }
    }

    private static String open(InProcessCluster c, int node) throws Exception {
        KvHttpApiTest.Resp r = call(c, node, "POST", "/v1/sessions", null, Map.of());
        assertEquals(200, r.status(), r.text());
        return r.json().get("session").asText();
    }

    private static Map<String, String> session(String id, long seq) {
        return Map.of("Tally-Client-Id", id, "Tally-Request-Seq", Long.toString(seq));
    }

    private static KvHttpApiTest.Resp call(InProcessCluster c, int node, String method, String path, String body,
                                           Map<String, String> headers) throws Exception {
        return KvHttpApiTest.call(c.http(node), method, path, body, headers);
    }
}
