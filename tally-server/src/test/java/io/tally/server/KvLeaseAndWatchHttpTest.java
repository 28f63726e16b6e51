package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.tally.server.KvHttpApiTest.Resp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leases, watches and backups over HTTP, on a live three-node cluster. */
class KvLeaseAndWatchHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static InProcessCluster cluster;
    private static int leader;
    private static int follower;

    @BeforeAll
    static void start() throws Exception {
        cluster = new InProcessCluster(3);
        leader = cluster.awaitLeader();
        follower = (leader + 1) % 3;
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static Resp call(int node, String method, String path, String body) throws Exception {
        return KvHttpApiTest.call(cluster.http(node), method, path, body, Map.of());
    }

    /** An open watch: its lines as they come. */
    private record Stream2(HttpResponse<Stream<String>> response, Iterator<String> lines) {
        JsonNode next() throws Exception {
            while (true) {
                String line = lines.next();
                if (line.isEmpty() || line.startsWith("id: ")) {
                    continue; // SSE framing
                }
                return JSON.readTree(line.startsWith("data: ") ? line.substring(6) : line);
            }
        }

        /** The next object that is not a progress note. */
        JsonNode nextEvent() throws Exception {
            JsonNode n;
            do {
                n = next();
            } while (n.has("progress"));
            return n;
        }
    }

    private static Stream2 watch(int node, String query, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + cluster.http(node) + "/v1/watch?" + query)).GET();
        headers.forEach(b::header);
        HttpResponse<Stream<String>> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofLines());
        return new Stream2(r, r.body().iterator());
    }

    @Test
    void aLeaseIsGrantedKeptAliveShownAndRevokedWithItsKeys() throws Exception {
        Resp grant = call(follower, "POST", "/v1/leases", "{\"ttl\": \"30s\"}");
        assertEquals(200, grant.status(), grant.text());
        String id = grant.json().get("id").asText();
        assertEquals("30s", grant.json().get("ttl").asText());
        assertEquals(200, call(follower, "PUT", "/v1/kv/leased/a?lease=" + id, "1").status());
        assertEquals(200, call(leader, "PUT", "/v1/kv/leased/b?lease=" + id, "2").status());
        assertEquals(id, call(leader, "GET", "/v1/kv/leased/a", null).raw().headers().firstValue("X-Tally-Lease").orElseThrow());
        Resp keep = call(follower, "POST", "/v1/leases/" + id + "/keepalive", null);
        assertEquals(200, keep.status(), keep.text());
        assertEquals("30s", keep.json().get("ttl").asText());
        JsonNode shown = call(follower, "GET", "/v1/leases/" + id, null).json();
        assertEquals(List.of("leased/a", "leased/b"), List.of(shown.get("keys").get(0).asText(), shown.get("keys").get(1).asText()));
        assertTrue(shown.get("remaining").asText().endsWith("s"));
        Resp revoke = call(follower, "DELETE", "/v1/leases/" + id, null);
        assertEquals(200, revoke.status(), revoke.text());
        assertEquals(2, revoke.json().get("deleted").asInt());
        assertEquals(404, call(leader, "GET", "/v1/kv/leased/a", null).status());
        for (Resp gone : List.of(call(follower, "POST", "/v1/leases/" + id + "/keepalive", null),
                call(leader, "GET", "/v1/leases/" + id, null), call(leader, "DELETE", "/v1/leases/" + id, null),
                call(leader, "PUT", "/v1/kv/leased/c?lease=" + id, "3"))) {
            assertEquals(404, gone.status(), gone.text());
            assertEquals("lease-not-found", gone.code());
        }
        assertEquals(404, call(leader, "GET", "/v1/kv/leased/c", null).status(), "nothing applied");
    }

    @Test
    void badLeaseRequestsAreRefused() throws Exception {
        for (String body : List.of("", "{}", "{\"ttl\": 10}", "{\"ttl\": \"soon\"}", "{\"ttl\": \"0s\"}", "{\"ttl\": \"9000h\"}",
                "{\"ttl\": \"1s\", \"x\": 1}")) {
            Resp r = call(leader, "POST", "/v1/leases", body);
            assertEquals(400, r.status(), body + " -> " + r.text());
        }
        assertEquals(400, call(leader, "POST", "/v1/leases/abc/keepalive", null).status());
        assertEquals(400, call(leader, "GET", "/v1/leases/-1", null).status());
        assertEquals(405, call(leader, "PUT", "/v1/leases/5", null).status());
        assertEquals(405, call(leader, "GET", "/v1/leases", null).status());
        assertEquals(400, call(leader, "PUT", "/v1/kv/x?lease=0", "v").status());
        Resp shortest = call(leader, "POST", "/v1/leases", "{\"ttl\": \"100ms\"}");
        assertEquals("2s", shortest.json().get("ttl").asText(), "raised to the minimum");
    }

    @Test
    void aWatchStreamsEveryEventOnceInOrderFromWhereItStarts() throws Exception {
        long start = call(leader, "PUT", "/v1/kv/w/a", "0").json().get("revision").asLong();
        Stream2 w = watch(follower, "prefix=w/&from=" + start, Map.of());
        assertEquals(200, w.response().statusCode());
        assertEquals("application/x-ndjson", w.response().headers().firstValue("Content-Type").orElseThrow());
        JsonNode first = w.nextEvent();
        assertEquals(start, first.get("revision").asLong());
        assertEquals("put", first.get("type").asText());
        call(leader, "PUT", "/v1/kv/w/b", "1");
        call(leader, "PUT", "/v1/kv/elsewhere", "x");
        call(leader, "POST", "/v1/txn", "{\"success\": [{\"op\": \"delete\", \"key\": \"w/a\"}, {\"op\": \"put\", \"key\": \"w/c\", \"value\": \"\"}]}");
        JsonNode b = w.nextEvent();
        assertEquals("w/b", b.get("key").asText());
        JsonNode del = w.nextEvent();
        JsonNode c = w.nextEvent();
        assertEquals("delete", del.get("type").asText());
        assertTrue(!del.has("value"));
        assertEquals(del.get("revision"), c.get("revision"), "a transaction is one revision");
        assertTrue(b.get("revision").asLong() < del.get("revision").asLong());
        w.response().body().close();
    }

    @Test
    void aWatchResumesOnAnotherNodeAndSpeaksServerSentEvents() throws Exception {
        long r1 = call(leader, "PUT", "/v1/kv/sse/k", "1").json().get("revision").asLong();
        long r2 = call(leader, "PUT", "/v1/kv/sse/k", "2").json().get("revision").asLong();
        Stream2 w = watch(leader, "key=sse/k", Map.of("Accept", "text/event-stream", "Last-Event-ID", Long.toString(r1)));
        assertEquals("text/event-stream", w.response().headers().firstValue("Content-Type").orElseThrow());
        assertEquals(r2, w.nextEvent().get("revision").asLong(), "resumes after the last event id");
        w.response().body().close();
    }

    @Test
    void badWatchesAreRefusedAndAnOldStartIsCompacted() throws Exception {
        for (String q : List.of("", "key=a&prefix=b", "key=", "key=a&from=0", "key=a&from=x")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + cluster.http(leader) + "/v1/watch?" + q))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), q + " -> " + r.body());
        }
        // The in-process cluster keeps the default 100,000 revisions: a small history needs a node of its own.
        try (InProcessCluster small = new InProcessCluster(1, "--history-revisions", "10")) {
            small.awaitLeader();
            for (int i = 0; i < 30; i++) {
                KvHttpApiTest.call(small.http(0), "PUT", "/v1/kv/k", "v" + i, Map.of());
            }
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + small.http(0) + "/v1/watch?key=k&from=2"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(410, r.statusCode(), r.body());
            JsonNode body = JSON.readTree(r.body());
            assertEquals("compacted", body.get("code").asText());
            assertTrue(body.get("oldest").asLong() > 2);
        }
    }

    @Test
    void aBackupIsAConsistentSnapshotWithItsRevisionAndChecksum() throws Exception {
        long r = call(leader, "PUT", "/v1/kv/backup/k", "v").json().get("revision").asLong();
        HttpResponse<byte[]> b = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + cluster.http(follower) + "/v1/snapshot"))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, b.statusCode(), new String(b.body()));
        io.tally.kv.KvBackup.Info info = io.tally.kv.KvBackup.read(new java.io.ByteArrayInputStream(b.body()), null);
        assertTrue(info.revision() >= r, "the follower confirmed a read point first");
        assertTrue(info.keys() >= 1);
        byte[] damaged = b.body().clone();
        damaged[damaged.length / 2] ^= 1;
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> io.tally.kv.KvBackup.read(new java.io.ByteArrayInputStream(damaged), null));
        assertTrue(e.getMessage().contains("checksum") || e.getMessage().contains("snapshot"), e.getMessage());
    }
}
