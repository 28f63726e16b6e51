package io.tally.client;

import io.tally.client.FakeHttpServer.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.tally.client.FakeHttpServer.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Netty transport against scripted Netty servers ({@link FakeHttpServer}): pipelining, connection reuse, what a
 * connection closed mid-request means for a write and for a read, leader hints, per-try timeouts, and that
 * concurrency costs no threads.
 */
@Timeout(60)
class ClientTransportTest {

    private final List<FakeHttpServer> servers = new CopyOnWriteArrayList<>();
    private final List<TallyClient> clients = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(TallyClient::close);
        servers.forEach(FakeHttpServer::close);
    }

    private FakeHttpServer serve(FakeHttpServer.Script script) throws InterruptedException {
        FakeHttpServer s = new FakeHttpServer(script);
        servers.add(s);
        return s;
    }

    private TallyClient client(TallyClientBuilder b) {
        TallyClient c = b.build();
        clients.add(c);
        return c;
    }

    /** For tests whose server holds answers back: no try may time out, however slow the machine. */
    private static TallyClientBuilder patient() {
        return TallyClient.builder().timeout(Duration.ofSeconds(40)).attemptTimeout(Duration.ofSeconds(30));
    }

    /** A GET answered with its own path as the value, so that each caller can tell whose answer it got. */
    private static Answer echo(FakeHttpServer.Request r) {
        return new Answer(200, r.path(), java.util.Map.of("X-Tally-Version", "1"));
    }

    private static String value(CompletableFuture<Optional<KeyValue>> f) {
        return f.join().orElseThrow().valueAsString();
    }

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
        int n = 6;
        CountDownLatch allArrived = new CountDownLatch(n);
        List<CompletableFuture<Answer>> held = new CopyOnWriteArrayList<>();
        FakeHttpServer s = serve(r -> {
            CompletableFuture<Answer> a = new CompletableFuture<>();
            held.add(a);
            allArrived.countDown();
            return a.thenApply(ignored -> echo(r));
        });
        TallyClient c = client(patient().endpoints(s.endpoint()).connectionsPerEndpoint(1).maxPipelinedRequests(8));
        List<CompletableFuture<Optional<KeyValue>>> gets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            gets.add(c.getAsync("k" + i));
        }
        assertTrue(allArrived.await(10, TimeUnit.SECONDS), "all " + n + " requests reached the server before any answer");
        List<CompletableFuture<Answer>> reversed = new ArrayList<>(held);
        Collections.reverse(reversed);
        reversed.forEach(a -> a.complete(null)); // the server finishes them last first; HTTP/1.1 answers in order
        for (int i = 0; i < n; i++) {
            assertEquals("/v1/kv/k" + i, value(gets.get(i)), "each caller gets the answer to its own request");
        }
        assertEquals(1, s.connections.get(), "one connection");
        assertEquals(n, s.maxUnanswered.get(), "all " + n + " were in flight on it at once");
    }

    @Test
    void requestsReuseTheirConnectionsAndThePoolNeverGrowsBeyondItsSize() throws Exception {
        FakeHttpServer s = serve(r -> now(echo(r)));
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()).connectionsPerEndpoint(3));
        for (int i = 0; i < 50; i++) {
            assertEquals("/v1/kv/k" + i, c.get("k" + i).orElseThrow().valueAsString());
        }
        assertEquals(1, s.connections.get(), "one request at a time needs one connection, kept open");
        List<CompletableFuture<Optional<KeyValue>>> gets = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            gets.add(c.getAsync("c" + i));
        }
        for (int i = 0; i < 200; i++) {
            assertEquals("/v1/kv/c" + i, value(gets.get(i)));
        }
        assertTrue(s.connections.get() <= 3, "at most 3 connections: " + s.connections.get());
        assertEquals(250, s.requests.size());
    }

    @Test
    void aConnectionClosedMidWriteMakesTheWriteOutcomeUnknownNeverUnavailable() throws Exception {
        FakeHttpServer s = serve(r -> now(Answer.CLOSE)); // the request arrives; the connection closes unanswered
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()).timeout(Duration.ofSeconds(2)));
        OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class, () -> c.put("k", new byte[] {1}));
        assertTrue(e.getMessage().contains("may or may not"), e.getMessage());
        List<String> tries = s.calls().stream().map(r -> r.header("Tally-Client-Id") + "#" + r.header("Tally-Request-Seq")).toList();
        assertTrue(tries.size() >= 2 && tries.stream().allMatch("1#1"::equals), "retried, always as the same write: " + tries);
    }

    @Test
    void aConnectionClosedMidWriteIsRetriedAsTheSameWriteAndTheSessionAnswers() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        FakeHttpServer s = serve(r -> now(calls.incrementAndGet() == 1 ? Answer.CLOSE : Answer.json(200, "{\"version\":9}")));
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()));
        assertEquals(9, c.put("k", new byte[] {1}));
        assertEquals(List.of("1#1", "1#1"), s.calls().stream()
                .map(r -> r.header("Tally-Client-Id") + "#" + r.header("Tally-Request-Seq")).toList());
        assertEquals(2, s.connections.get(), "a new connection after the closed one");
    }

    @Test
    void aConnectionClosedMidReadIsRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        FakeHttpServer s = serve(r -> now(calls.incrementAndGet() == 1 ? Answer.CLOSE : echo(r)));
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()));
        assertEquals("/v1/kv/k", c.get("k").orElseThrow().valueAsString());
        assertEquals(2, s.calls().size());
    }

    @Test
    void aClusterChangeCutOffMidRequestIsOutcomeUnknownAndNotRetried() throws Exception {
        FakeHttpServer s = serve(r -> now(Answer.CLOSE));
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()));
        assertThrows(OutcomeUnknownException.class, () -> c.removeMember("n2", Duration.ofSeconds(5)));
        assertEquals(1, s.calls().size(), "a cluster change that may have applied is never sent again");
    }

    @Test
    void aForwardedAnswerNamesTheLeaderAndLaterRequestsGoThere() throws Exception {
        FakeHttpServer leader = serve(r -> now(r.method().equals("GET") ? echo(r) : Answer.json(200, "{\"version\":1}")));
        FakeHttpServer follower = serve(r -> now(echo(r).withHeader("X-Tally-Leader", leader.endpoint())));
        TallyClient c = client(TallyClient.builder().endpoints(follower.endpoint(), leader.endpoint()));
        c.get("a");
        for (int i = 0; i < 10; i++) {
            c.get("b" + i);
        }
        c.put("c", new byte[] {1});
        assertEquals(1, follower.calls().size(), "only the first request went through the follower");
        assertEquals(11, leader.calls().size());
    }

    @Test
    void aNodeThatNeverAnswersCostsOneTryNotTheWholeCall() throws Exception {
        FakeHttpServer frozen = serve(r -> new CompletableFuture<>()); // takes requests, never answers
        FakeHttpServer healthy = serve(r -> now(echo(r)));
        TallyClient c = client(TallyClient.builder().endpoints(frozen.endpoint(), healthy.endpoint())
                .timeout(Duration.ofSeconds(20)).attemptTimeout(Duration.ofMillis(200)));
        long t0 = System.nanoTime();
        assertEquals("/v1/kv/k", c.get("k").orElseThrow().valueAsString());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 10_000, "the frozen node held the call " + ms + " ms");
        assertEquals("200ms", frozen.calls().get(0).query().get("timeout").get(0), "the node is told the try's timeout");
    }

    @Test
    void theRetryPolicyBoundsTheTries() throws Exception {
        FakeHttpServer s = serve(r -> now(Answer.error(503, "no-leader")));
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()).timeout(Duration.ofSeconds(20))
                .retryPolicy(RetryPolicy.defaults().withMaxAttempts(3).withBackoff(Duration.ZERO, Duration.ZERO)));
        ClusterUnavailableException e = assertThrows(ClusterUnavailableException.class, () -> c.get("k"));
        assertTrue(e.getMessage().contains("in 3 attempts"), e.getMessage());
        assertEquals(3, s.calls().size());
    }

    @Test
    void manyConcurrentCallsNeedNoThreadEach() throws Exception {
        int n = 500;
        CountDownLatch allArrived = new CountDownLatch(n);
        CompletableFuture<Void> release = new CompletableFuture<>();
        FakeHttpServer s = serve(r -> {
            allArrived.countDown();
            return release.thenApply(v -> echo(r));
        });
        TallyClient c = client(patient().endpoints(s.endpoint()).connectionsPerEndpoint(8).maxPipelinedRequests(64));
        int threadsBefore = Thread.activeCount();
        List<CompletableFuture<Optional<KeyValue>>> gets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            gets.add(c.getAsync("k" + i));
        }
        assertTrue(allArrived.await(20, TimeUnit.SECONDS), "all " + n + " requests in flight at once");
        int threadsDuring = Thread.activeCount();
        release.complete(null);
        for (int i = 0; i < n; i++) {
            assertEquals("/v1/kv/k" + i, value(gets.get(i)));
        }
        assertTrue(threadsDuring - threadsBefore <= SharedEventLoop.THREADS,
                n + " calls in flight took " + (threadsDuring - threadsBefore) + " threads");
        assertEquals(8, s.connections.get());
    }

    @Test
    void aSynchronousCallInsideACallbackIsRefusedBeforeAnythingIsSent() throws Exception {
        FakeHttpServer s = serve(r -> now(Answer.json(200, "{\"version\":1}")));
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()));
        AtomicReference<Throwable> refused = new AtomicReference<>();
        c.putAsync("a", new byte[] {1}).thenAccept(v -> {
            try {
                c.put("b", new byte[] {1});
            } catch (Throwable t) {
                refused.set(t);
            }
        }).join();
        assertInstanceOf(IllegalStateException.class, refused.get());
        assertEquals(1, s.calls().size(), "the refused put was not sent");
        assertEquals(3, c.putAsync("b", new byte[] {1}).thenCompose(v -> c.putAsync("c", new byte[] {1}))
                .thenApply(v -> s.calls().size()).join(), "a, then b and c chained in callbacks with the async forms");
    }

    @Test
    void forksWriteConcurrentlyEachOnASessionOfItsOwn() throws Exception {
        CountDownLatch bothArrived = new CountDownLatch(2);
        CompletableFuture<Void> release = new CompletableFuture<>();
        FakeHttpServer s = serve(r -> {
            bothArrived.countDown();
            return release.thenApply(v -> Answer.json(200, "{\"version\":3}"));
        });
        TallyClient parent = client(patient().endpoints(s.endpoint()));
        TallyClient fork = parent.fork();
        CompletableFuture<Long> a = parent.putAsync("a", new byte[] {1});
        CompletableFuture<Long> b = fork.putAsync("b", new byte[] {1});
        assertTrue(bothArrived.await(10, TimeUnit.SECONDS), "the two writes were in flight together");
        release.complete(null);
        assertEquals(3, a.join());
        assertEquals(3, b.join());
        assertTrue(parent.sessionId().getAsLong() != fork.sessionId().getAsLong(), "two sessions");
        fork.close();
        assertEquals(3, parent.put("c", new byte[] {1}), "closing a fork leaves the connections to the others");
        assertThrows(IllegalStateException.class, () -> fork.get("a"));
    }

    @Test
    void closingTheClientMakesAWriteInFlightOutcomeUnknown() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        FakeHttpServer s = serve(r -> {
            arrived.countDown();
            return new CompletableFuture<>();
        });
        TallyClient c = patient().endpoints(s.endpoint()).build();
        CompletableFuture<Long> put = c.putAsync("k", new byte[] {1});
        assertTrue(arrived.await(10, TimeUnit.SECONDS));
        c.close();
        CompletionException e = assertThrows(CompletionException.class, put::join);
        assertInstanceOf(OutcomeUnknownException.class, e.getCause());
        assertThrows(IllegalStateException.class, () -> c.get("k"));
    }

    @Test
    void keysArePercentEncodedAndValuesSentAsTheBody() throws Exception {
        FakeHttpServer s = serve(r -> now(Answer.json(200, "{\"version\":5}")));
        TallyClient c = client(TallyClient.builder().endpoints(s.endpoint()));
        c.put("a b/ü?", "välue".getBytes(StandardCharsets.UTF_8));
        FakeHttpServer.Request r = s.calls().get(0);
        assertEquals("PUT", r.method());
        assertEquals("/v1/kv/a b/ü?", r.path());
        assertEquals("välue", r.bodyText());
        assertEquals(s.endpoint(), r.header("Host"));
    }
}
