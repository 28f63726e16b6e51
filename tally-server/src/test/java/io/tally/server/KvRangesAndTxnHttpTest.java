package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.tally.server.KvHttpApiTest.Resp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Revisions, ranges, prefix deletes, transactions and blocking queries over HTTP, on a live three-node cluster. */
class KvRangesAndTxnHttpTest {

    private static InProcessCluster cluster;
    private static int leader;
    private static int follower;

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

    private static Resp call(int node, String method, String path, String body) throws Exception {
        return KvHttpApiTest.call(cluster.http(node), method, path, body, Map.of());
    }

    private static long index(Resp r) {
        return Long.parseLong(r.raw().headers().firstValue("X-Tally-Index").orElseThrow(() -> new AssertionError("no X-Tally-Index: " + r.text())));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyKeyValueAnswerCarriesTheRevisionItReflects() throws Exception {
        Resp put = call(follower, "PUT", "/v1/kv/rev/a", "1");
        assertEquals(200, put.status());
        long r = put.json().get("revision").asLong();
        assertEquals(r, index(put));
        assertEquals(r, put.json().get("version").asLong());
        Resp get = call(follower, "GET", "/v1/kv/rev/a", null);
        assertTrue(index(get) >= r);
        assertEquals(Long.toString(r), get.raw().headers().firstValue("X-Tally-Created").orElseThrow());
        Resp missing = call(leader, "GET", "/v1/kv/rev/none", null);
        assertEquals(404, missing.status());
        assertTrue(index(missing) >= r, "a 404 says at which revision the key was absent");
        Resp bad = call(leader, "GET", "/v1/kv/rev/a?consistency=bogus", null);
        assertEquals(400, bad.status());
        index(bad);
        Resp cas = call(leader, "PUT", "/v1/kv/rev/a?cas=1", "x");
        assertEquals(409, cas.status());
        assertTrue(index(cas) > r);
    }

    @Test
    void rangesPageInKeyOrderFromOneRevision() throws Exception {
        for (int i = 0; i < 25; i++) {
            assertEquals(200, call(leader, "PUT", "/v1/kv/page/k" + String.format("%02d", i), "v" + i).status());
        }
        List<String> seen = new ArrayList<>();
        String after = "";
        long revision = -1;
        while (true) {
            Resp p = call(follower, "GET", "/v1/kv?prefix=page/&limit=10&after=" + after, null);
            assertEquals(200, p.status(), p.text());
            for (JsonNode item : p.json().get("items")) {
                seen.add(item.get("key").asText());
                assertTrue(item.has("created"));
                after = item.get("key").asText();
            }
            revision = p.json().get("revision").asLong();
            assertEquals(revision, index(p));
            if (!p.json().get("more").asBoolean()) {
                break;
            }
        }
        assertEquals(25, seen.size());
        assertEquals(seen.stream().sorted().toList(), seen);
        JsonNode keys = call(leader, "GET", "/v1/kv?prefix=page/&keys=true&limit=2", null).json();
        assertFalse(keys.get("items").get(0).has("value"));
        assertTrue(keys.get("more").asBoolean());
        assertEquals(25, call(follower, "GET", "/v1/kv?prefix=page/&count=true", null).json().get("count").asInt());

        Resp tooMany = call(leader, "GET", "/v1/kv?prefix=page/&limit=10001", null);
        assertEquals(400, tooMany.status());
        assertTrue(tooMany.json().get("error").asText().contains("maximum of 10000"));
        assertEquals(400, call(leader, "GET", "/v1/kv?prefix=page/&count=true&limit=5", null).status());
        assertEquals(400, call(leader, "GET", "/v1/kv?prefix=page/&keys=maybe", null).status());
        assertEquals(400, call(leader, "GET", "/v1/kv", null).status());
    }

    @Test
    void aPrefixDeleteRemovesTheRangeAtOneRevision() throws Exception {
        for (String k : List.of("dp/a", "dp/b", "dp/c", "dq")) {
            call(leader, "PUT", "/v1/kv/" + k, "x");
        }
        Resp d = call(follower, "DELETE", "/v1/kv?prefix=dp/", null);
        assertEquals(200, d.status(), d.text());
        assertEquals(3, d.json().get("deleted").asInt());
        assertEquals(d.json().get("revision").asLong(), index(d));
        assertEquals(0, call(leader, "GET", "/v1/kv?prefix=dp/&count=true", null).json().get("count").asInt());
        assertEquals(200, call(leader, "GET", "/v1/kv/dq", null).status());
        Resp all = call(leader, "DELETE", "/v1/kv?prefix=", null);
        assertEquals(400, all.status(), "an empty prefix needs all=true");
        assertTrue(all.json().get("error").asText().contains("all=true"));
    }

    @Test
    void aTransactionAppliesOneBranchAtOneRevision() throws Exception {
        call(leader, "PUT", "/v1/kv/tx/a", "1");
        long va = call(leader, "GET", "/v1/kv?prefix=tx/a&limit=1", null).json().get("items").get(0).get("version").asLong();
        String txn = "{\"compare\": [{\"key\": \"tx/a\", \"version\": " + va + "}, {\"key\": \"tx/b\", \"exists\": false},"
                + " {\"key\": \"tx/a\", \"value\": \"" + b64("1") + "\"}],"
                + " \"success\": [{\"op\": \"put\", \"key\": \"tx/b\", \"value\": \"" + b64("2") + "\"}, {\"op\": \"get\", \"key\": \"tx/b\"},"
                + " {\"op\": \"delete\", \"key\": \"tx/a\"}, {\"op\": \"delete-prefix\", \"prefix\": \"tx/none/\"}],"
                + " \"failure\": [{\"op\": \"get\", \"key\": \"tx/a\"}]}";
        Resp ok = call(follower, "POST", "/v1/txn", txn);
        assertEquals(200, ok.status(), ok.text());
        JsonNode body = ok.json();
        assertTrue(body.get("succeeded").asBoolean());
        long r = body.get("revision").asLong();
        assertEquals(r, index(ok));
        assertEquals(r, body.get("results").get(0).get("version").asLong());
        assertEquals(b64("2"), body.get("results").get(1).get("value").asText());
        assertEquals(1, body.get("results").get(2).get("deleted").asInt());
        assertEquals(0, body.get("results").get(3).get("deleted").asInt());
        Resp again = call(leader, "POST", "/v1/txn", txn);
        assertFalse(again.json().get("succeeded").asBoolean());
        assertFalse(again.json().get("results").get(0).get("found").asBoolean());
    }

    @Test
    void aMalformedTransactionIsA400NamingItsPartAndAppliesNothing() throws Exception {
        long before = index(call(leader, "GET", "/v1/kv?prefix=bad/&count=true", null));
        Map<String, String> cases = Map.of(
                "not json", "not JSON",
                "[]", "JSON object",
                "{\"compare\": [{\"key\": \"a\"}]}", "compare[0]: give exactly one of",
                "{\"success\": [{\"op\": \"put\", \"key\": \"bad/x\", \"value\": \"!!\"}]}", "success[0].value is not base64",
                "{\"success\": [{\"op\": \"rename\", \"key\": \"a\"}]}", "success[0]: op must be",
                "{\"failure\": [{\"op\": \"get\"}]}", "failure[0]: key must be a string",
                "{\"success\": [{\"op\": \"put\", \"key\": \"bad/x\", \"value\": \"\"}, {\"op\": \"delete\", \"key\": \"bad/x\"}]}",
                "success[1]: key 'bad/x' is written twice",
                "{\"compare\": [], \"extra\": 1}", "unknown field 'extra'",
                "{\"success\": [{\"op\": \"put\", \"key\": \"bad/x\", \"value\": \"\", \"lease\": \"-3\"}]}", "success[0]: lease must be");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Resp r = call(follower, "POST", "/v1/txn", c.getKey());
            assertEquals(400, r.status(), c.getKey() + " -> " + r.text());
            assertTrue(r.json().get("error").asText().contains(c.getValue()), c.getKey() + " -> " + r.text());
        }
        StringBuilder many = new StringBuilder("{\"success\": [");
        for (int i = 0; i < 129; i++) {
            many.append(i == 0 ? "" : ",").append("{\"op\": \"get\", \"key\": \"k\"}");
        }
        Resp tooMany = call(leader, "POST", "/v1/txn", many.append("]}").toString());
        assertEquals(400, tooMany.status());
        assertTrue(tooMany.json().get("error").asText().contains("at most 128"));
        Resp big = call(leader, "POST", "/v1/txn", "{\"success\": [{\"op\": \"put\", \"key\": \"bad/x\", \"value\": \""
                + Base64.getEncoder().encodeToString(new byte[1025]) + "\"}]}");
        assertEquals(413, big.status(), big.text());
        Resp noLease = call(leader, "POST", "/v1/txn", "{\"success\": [{\"op\": \"put\", \"key\": \"bad/x\", \"value\": \"\", \"lease\": \"999999\"}]}");
        assertEquals(404, noLease.status());
        assertEquals("lease-not-found", noLease.code());
        assertEquals(0, call(leader, "GET", "/v1/kv?prefix=bad/&count=true", null).json().get("count").asInt());
        assertTrue(index(noLease) > before);
    }

    @Test
    void aBlockingQueryAnswersWhenTheKeyChangesOrTheWaitRunsOut() throws Exception {
        Resp first = call(leader, "PUT", "/v1/kv/block/k", "1");
        long r = first.json().get("revision").asLong();
        // Already changed after r-1: at once.
        Resp now = call(follower, "GET", "/v1/kv/block/k?index=" + (r - 1), null);
        assertEquals(200, now.status());
        // Nothing after r yet: waits; a write to another key does not wake it; a write to it does.
        CompletableFuture<Resp> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return call(follower, "GET", "/v1/kv/block/k?index=" + index(now) + "&wait=30s", null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        call(leader, "PUT", "/v1/kv/block/other", "x");
        assertFalse(waiting.isDone());
        Resp second = call(leader, "PUT", "/v1/kv/block/k", "2");
        Resp woke = waiting.get();
        assertEquals("2", woke.text());
        assertTrue(index(woke) >= second.json().get("revision").asLong());
        // A prefix query, and a wait that runs out with the current state.
        Resp timedOut = call(follower, "GET", "/v1/kv?prefix=block/&index=" + index(woke) + "&wait=200ms", null);
        assertEquals(200, timedOut.status());
        assertEquals(2, timedOut.json().get("items").size());
        assertEquals(400, call(leader, "GET", "/v1/kv/block/k?wait=1s", null).status(), "wait without index");
        assertEquals(400, call(leader, "GET", "/v1/kv/block/k?index=1&wait=11m", null).status(), "wait above 10 m");
        assertEquals(400, call(leader, "GET", "/v1/kv/block/k?index=-1", null).status());
    }
}
