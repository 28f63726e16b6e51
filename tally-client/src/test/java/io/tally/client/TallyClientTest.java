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

/**
 * The client's retry rules against scripted servers: what it retries, with which session and sequence number, and
 * what it reports. Every scripted server opens sessions ({@code POST /v1/sessions}) with ids 1, 2, ... shared
 * across the test's servers; the scripts answer the other requests.
 */
class TallyClientTest {

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final List<String> seqs = new CopyOnWriteArrayList<>();
    private final AtomicInteger sessionsOpened = new AtomicInteger();

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
            if (ex.getRequestURI().getPath().equals("/v1/sessions") && ex.getRequestMethod().equals("POST")) {
                json(ex, 200, "{\"session\":\"" + sessionsOpened.incrementAndGet() + "\"}");
                ex.close();
                return;
            }
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
        assertEquals(List.of("1#1", "1#1", "1#2"), seqs, "the retry of an outcome-unknown write reuses its sequence "
                + "number, and the next write takes the next number");
    }

    @Test
    void aSessionIsOpenedBeforeTheFirstWriteOnlyAndItsIdIsTheClientId() throws Exception {
        String ep = serve((ex, call) -> {
            if (ex.getRequestMethod().equals("GET")) {
                json(ex, 404, "{\"error\":\"no key\",\"code\":\"not-found\"}");
            } else if (ex.getRequestMethod().equals("DELETE")) {
                json(ex, 200, "{\"deleted\":true}");
            } else {
                json(ex, 200, "{\"version\":" + call + "}");
            }
        });
        try (TallyClient c = TallyClient.connect(List.of(ep))) {
            assertTrue(c.get("k").isEmpty());
            assertTrue(c.sessionId().isEmpty(), "reads need no session");
            assertEquals(0, sessionsOpened.get());
            c.put("k", new byte[] {1});
            c.append("k", new byte[] {2});
            c.delete("k");
            assertEquals(1, c.sessionId().getAsLong());
        }
        assertEquals(1, sessionsOpened.get());
        assertEquals(List.of("1#1", "1#2", "1#3"), seqs);
    }

    @Test
    void aFirstTryRefusedAsSessionExpiredIsRetriedOnANewSessionUnseen() throws Exception {
        String ep = serve((ex, call) -> {
            if (call == 2) {
                json(ex, 409, "{\"error\":\"no session 1\",\"code\":\"session-expired\"}");
            } else {
                json(ex, 200, "{\"version\":" + call + "}");
            }
        });
        try (TallyClient c = TallyClient.connect(List.of(ep))) {
            assertEquals(1, c.put("a", new byte[] {1}));
            // Nothing was sent before the refusal, so nothing can have applied: the same write on a new session.
            assertEquals(3, c.put("b", new byte[] {1}));
            assertEquals(2, c.sessionId().getAsLong());
            assertEquals(4, c.put("c", new byte[] {1}));
        }
        assertEquals(List.of("1#1", "1#2", "2#1", "2#2"), seqs);
    }

    @Test
    void aWriteRefusedAsSessionExpiredAfterAnEarlierTryMayHaveAppliedIsOutcomeUnknown() throws Exception {
        String ep = serve((ex, call) -> {
            switch (call) {
                case 1 -> json(ex, 504, "{\"error\":\"proposed, then leadership lost\",\"code\":\"outcome-unknown\"}");
                case 2, 5 -> json(ex, 409, "{\"error\":\"no session\",\"code\":\"session-expired\"}");
                case 4 -> { } // sent, then the connection closes without an answer: it may have applied
                default -> json(ex, 200, "{\"version\":" + call + "}");
            }
        });
        try (TallyClient c = TallyClient.connect(List.of(ep))) {
            OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class, () -> c.append("k", new byte[] {1}));
            assertTrue(e.getMessage().contains("session expired"), e.getMessage());
            assertTrue(c.sessionId().isEmpty(), "the expired session is dropped");
            assertEquals(3, c.append("k", new byte[] {2}), "the next write opens a new session");
            assertThrows(OutcomeUnknownException.class, () -> c.append("k", new byte[] {3}));
        }
        assertEquals(List.of("1#1", "1#1", "2#1", "2#2", "2#2"), seqs,
                "a write whose earlier try may have applied is never retried on a new session");
        assertEquals(2, sessionsOpened.get());
    }

    @Test
    void aWriteThatCouldNotOpenASessionIsUnavailableNotUnknown() throws Exception {
        AtomicInteger kvCalls = new AtomicInteger();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            if (!ex.getRequestURI().getPath().equals("/v1/sessions")) {
                kvCalls.incrementAndGet();
            }
            json(ex, 503, "{\"error\":\"no leader\",\"code\":\"no-leader\"}");
            ex.close();
        });
        s.start();
        servers.add(s);
        try (TallyClient c = TallyClient.connect(List.of("127.0.0.1:" + s.getAddress().getPort()), Duration.ofMillis(300))) {
            assertThrows(ClusterUnavailableException.class, () -> c.put("k", new byte[] {1}));
        }
        assertEquals(0, kvCalls.get(), "the write itself was never sent");
    }

    @Test
    void aWriteWhoseOutcomeNeverBecomesKnownIsReportedAsSuchNotAsAFailure() throws Exception {
        String ep = serve((ex, call) -> json(ex, 504, "{\"error\":\"unknown\",\"code\":\"outcome-unknown\"}"));
        try (TallyClient c = TallyClient.connect(List.of(ep), Duration.ofMillis(400))) {
            assertThrows(OutcomeUnknownException.class, () -> c.put("k", new byte[] {1}));
        }
        assertTrue(seqs.size() >= 2 && seqs.stream().distinct().count() == 1, "only ever the same request: " + seqs);
        assertEquals(1, sessionsOpened.get());
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
