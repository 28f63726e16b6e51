package io.tally.server;

import io.tally.raft.RaftState;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static io.tally.server.RawHttp.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP pipeline as a hand-written client sees it, against a live three-node cluster in this JVM: pipelined
 * requests answered in order on one connection, bodies over the limit refused with 413 on a connection that stays
 * usable, and the in-flight bound answering 503 overloaded at once.
 */
class HttpPipelineTest {

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

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
        try (RawHttp c = new RawHttp(cluster.http(follower))) {
            // Written at once, to a follower that forwards the writes and reads: the answers come back in request order,
            // and each read sees the writes pipelined before it.
            c.send(request("PUT", "/v1/kv/pipe", "one")
                    + request("GET", "/v1/kv/pipe", null)
                    + request("GET", "/v1/health", null)
                    + request("POST", "/v1/kv/pipe?append", "two")
                    + request("GET", "/v1/kv/pipe", null)
                    + request("GET", "/v2/nothing", null)
                    + request("DELETE", "/v1/kv/pipe", null)
                    + request("GET", "/v1/kv/pipe", null)
                    + request("GET", "/v1/status", null));
            RawHttp.Response put = c.read();
            assertEquals(200, put.status(), put.text());
            long version = put.json().get("version").asLong();
            RawHttp.Response get = c.read();
            assertEquals("one", get.text());
            assertEquals(Long.toString(version), get.headers().get("x-tally-version"));
            assertEquals("ok", c.read().json().get("status").asText());
            assertTrue(c.read().json().get("version").asLong() > version);
            assertEquals("onetwo", c.read().text());
            assertEquals("not-found", c.read().code());
            assertTrue(c.read().json().get("deleted").asBoolean());
            assertEquals("not-found", c.read().code());
            assertEquals("n" + (follower + 1), c.read().json().get("id").asText());
        }
    }

    @Test
    void pipelinedReadsAreServedTogetherAndAnsweredInOrder() throws Exception {
        try (RawHttp c = new RawHttp(cluster.http(leader))) {
            c.send(request("PUT", "/v1/kv/pipe-r", "r") + request("GET", "/v1/kv/pipe-r?consistency=lease", null));
            assertEquals(200, c.read().status());
            assertEquals("r", c.read().text());
            StringBuilder reads = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                reads.append(request("GET", i % 2 == 0 ? "/v1/kv/pipe-r" : "/v1/kv?prefix=pipe-r", null));
            }
            c.send(reads.toString());
            for (int i = 0; i < 50; i++) {
                RawHttp.Response r = c.read();
                assertEquals(200, r.status(), r.text());
                if (i % 2 == 0) {
                    assertEquals("r", r.text());
                } else {
                    assertEquals("pipe-r", r.json().get("items").get(0).get("key").asText());
                }
            }
        }
    }

    @Test
    void aBodyOverTheLimitIs413AndTheConnectionStaysUsable() throws Exception {
        for (int node : new int[] {leader, follower}) {
            try (RawHttp c = new RawHttp(cluster.http(node))) {
                // Over the server's body limit (4 KiB here: cluster bodies; values are 1 KiB): read and dropped.
                c.send(request("PUT", "/v1/kv/big", "v".repeat(100_000)));
                RawHttp.Response r = c.read();
                assertEquals(413, r.status(), r.text());
                assertEquals("value-too-large", r.code());
                // The same in chunks, with no length announced.
                String chunk = Integer.toHexString(3000) + "\r\n" + "c".repeat(3000) + "\r\n";
                c.send("PUT /v1/kv/big HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + chunk
                        + "0\r\n\r\n");
                assertEquals("value-too-large", c.read().code());
                // Over --max-value-bytes only.
                c.send(request("PUT", "/v1/kv/big", "v".repeat(1025)));
                assertEquals("value-too-large", c.read().code());
                // The connection still serves.
                c.send(request("PUT", "/v1/kv/big", "v".repeat(1024)) + request("GET", "/v1/kv/big", null));
                assertEquals(200, c.read().status());
                assertEquals("v".repeat(1024), c.read().text());
            }
        }
    }

    @Test
    void expectContinueIsAnsweredInTurnAndARefusedBodyClosesTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(cluster.http(leader))) {
            c.send("PUT /v1/kv/expect HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, c.read().status());
            c.send("hello");
            assertEquals(200, c.read().status());
            // A body announced over the limit is refused before it is sent; the client may send it or not, so the
            // connection cannot carry another request.
            c.send("PUT /v1/kv/expect HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(413, r.status(), r.text());
            assertEquals("close", r.headers().get("connection"));
            assertThrows(IOException.class, c::read);
        }
    }

    /** The bound on requests in flight: one more is 503 overloaded with Retry-After at once, on a connection that stays. */
    @Test
    void beyondTheInFlightBoundARequestIsAnsweredOverloadedAtOnce() throws Exception {
        try (InProcessCluster c = new InProcessCluster(3, "--election-timeout-ms", "3000", "--max-http-in-flight", "2")) {
            int lead = c.awaitLeader();
            for (int i = 0; i < 3; i++) {
                if (i != lead) {
                    c.nodes.get(i).close(); // nothing can commit: the admitted writes wait
                }
            }
            var raft = c.nodes.get(lead).raft();
            long last = raft.lastLogIndex();
            try (RawHttp held0 = new RawHttp(c.http(lead)); RawHttp held1 = new RawHttp(c.http(lead));
                 RawHttp other = new RawHttp(c.http(lead))) {
                held0.send(request("PUT", "/v1/kv/held0?timeout=2s", "v"));
                held1.send(request("PUT", "/v1/kv/held1?timeout=2s", "v"));
                Poll.until("both writes proposed", Duration.ofSeconds(10), () -> raft.lastLogIndex() >= last + 2);
                for (String req : List.of(request("PUT", "/v1/kv/third", "v"), request("GET", "/v1/status", null))) {
                    other.send(req);
                    RawHttp.Response r = other.read();
                    assertEquals(503, r.status(), r.text());
                    assertEquals("overloaded", r.code());
                    assertEquals("1", r.headers().get("retry-after"));
                }
                assertEquals(last + 2, raft.lastLogIndex(), "the refused write was never proposed");
                assertEquals(RaftState.LEADER, raft.state());
                assertEquals("outcome-unknown", held0.read().code());
                assertEquals("outcome-unknown", held1.read().code());
                other.send(request("GET", "/v1/status", null));
                assertEquals(200, other.read().status(), "answered requests leave the bound; the connection stayed open");
            }
        }
    }
}
