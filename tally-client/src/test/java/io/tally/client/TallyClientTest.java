package io.tally.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's retry rules against scripted servers: what it retries, with which sequence number, and what it reports. */
class TallyClientTest {

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final List<String> seqs = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private interface Script {
        void answer(HttpExchange ex, int call) throws IOException;
    }

    private String serve(Script script) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        AtomicInteger calls = new AtomicInteger();
        s.createContext("/", ex -> {
            String seq = ex.getRequestHeaders().getFirst("Tally-Request-Seq");
            if (seq != null) {
                seqs.add(ex.getRequestHeaders().getFirst("Tally-Client-Id") + "#" + seq);
            }
            ex.getRequestBody().readAllBytes();
            script.answer(ex, calls.incrementAndGet());
            ex.close();
        });
        s.start();
        servers.add(s);
        return "127.0.0.1:" + s.getAddress().getPort();
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Test
    void anOutcomeUnknownWriteIsRetriedWithTheSameSequenceNumber() throws Exception {
        String ep = serve((ex, call) -> {
            if (call == 1) {
                json(ex, 504, "{\"error\":\"proposed, then leadership lost\",\"code\":\"outcome-unknown\"}");
            } else {
                json(ex, 200, "{\"version\":42}");
            }
        });
        try (TallyClient c = TallyClient.connect(List.of(ep))) {
            assertEquals(42, c.put("k", new byte[] {1}));
            assertEquals(42, c.append("k", new byte[] {2}));
        }
        assertEquals(3, seqs.size());
        assertEquals(seqs.get(0), seqs.get(1), "the retry of an outcome-unknown write reuses its sequence number");
        assertTrue(seqs.get(2).endsWith("#2"), "the next write takes the next number: " + seqs);
    }

    @Test
    void aWriteWhoseOutcomeNeverBecomesKnownIsReportedAsSuchNotAsAFailure() throws Exception {
        String ep = serve((ex, call) -> json(ex, 504, "{\"error\":\"unknown\",\"code\":\"outcome-unknown\"}"));
        try (TallyClient c = TallyClient.connect(List.of(ep), Duration.ofMillis(400))) {
            assertThrows(OutcomeUnknownException.class, () -> c.put("k", new byte[] {1}));
        }
        assertTrue(seqs.size() >= 2 && seqs.stream().distinct().count() == 1, "only ever the same request: " + seqs);
    }

    @Test
    void noLeaderAnywhereIsUnavailableAndMovesOnToTheNextEndpoint() throws Exception {
        AtomicInteger first = new AtomicInteger();
        String noLeader = serve((ex, call) -> {
            first.incrementAndGet();
            json(ex, 503, "{\"error\":\"no leader\",\"code\":\"no-leader\"}");
        });
        try (TallyClient c = TallyClient.connect(List.of(noLeader), Duration.ofMillis(300))) {
            assertThrows(ClusterUnavailableException.class, () -> c.put("k", new byte[] {1}));
        }
        String good = serve((ex, call) -> json(ex, 200, "{\"version\":7}"));
        try (TallyClient c = TallyClient.connect(List.of(noLeader, good))) {
            assertEquals(7, c.put("k", new byte[] {1}));
        }
        // Unreachable endpoints: nothing was sent, so the cluster is unavailable, not the outcome unknown.
        try (TallyClient c = TallyClient.connect(List.of("127.0.0.1:1"), Duration.ofMillis(300))) {
            assertThrows(ClusterUnavailableException.class, () -> c.put("k", new byte[] {1}));
        }
    }

    @Test
    void casFailuresAndBadRequestsAreNotRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String ep = serve((ex, call) -> {
            calls.incrementAndGet();
            if (ex.getRequestURI().getRawQuery().contains("cas=")) {
                json(ex, 409, "{\"error\":\"version is 5\",\"code\":\"cas-failed\",\"version\":5}");
            } else {
                json(ex, 413, "{\"error\":\"too large\",\"code\":\"value-too-large\"}");
            }
        });
        try (TallyClient c = TallyClient.connect(List.of(ep))) {
            CasFailedException e = assertThrows(CasFailedException.class, () -> c.put("k", new byte[] {1}, 3));
            assertEquals(5, e.currentVersion());
            TallyException big = assertThrows(TallyException.class, () -> c.put("k", new byte[] {1}));
            assertEquals(413, big.status());
            assertEquals("value-too-large", big.code());
        }
        assertEquals(2, calls.get());
    }

    @Test
    void aForwardedAnswerNamesTheLeaderAndTheNextRequestGoesThere() throws Exception {
        AtomicInteger atLeader = new AtomicInteger();
        String leader = serve((ex, call) -> {
            atLeader.incrementAndGet();
            json(ex, 200, "{\"version\":1}");
        });
        String follower = serve((ex, call) -> {
            ex.getResponseHeaders().set("X-Tally-Leader", leader);
            json(ex, 200, "{\"version\":1}");
        });
        try (TallyClient c = TallyClient.connect(List.of(follower, leader))) {
            c.put("a", new byte[] {1});
            c.put("b", new byte[] {1});
        }
        assertEquals(1, atLeader.get(), "the second request went straight to the leader");
    }

    @Test
    void endpointsAreValidated() {
        assertEquals(List.of("a:1", "b:2"), TallyClient.parseEndpoints("a:1, b:2"));
        assertThrows(IllegalArgumentException.class, () -> TallyClient.parseEndpoints("a"));
        assertThrows(IllegalArgumentException.class, () -> TallyClient.parseEndpoints("a:x"));
        assertThrows(IllegalArgumentException.class, () -> TallyClient.parseEndpoints("a:70000"));
    }
}
