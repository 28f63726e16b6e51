package io.tally.client;

import io.tally.client.FakeHttpServer.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.tally.client.FakeHttpServer.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Watches against scripted servers ({@link FakeHttpServer}; each watch answer is a whole server-sent-event body, after
 * which the stream ends and the client resumes): the resume point across streams cut mid-revision, progress notes,
 * the start without {@code from}, 410 {@code compacted} at the start and midway, refusals, back-pressure, the client's
 * close and giving up.
 */
@Timeout(60)
class ClientWatchTest {

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

    private TallyClient client(String... endpoints) {
        TallyClient c = TallyClient.builder().endpoints(endpoints).timeout(Duration.ofSeconds(10)).build();
        clients.add(c);
        return c;
    }

    /** One event as the server writes it, with the SSE id when it is the last of its revision. */
    static String event(long revision, String key, String value, boolean lastOfRevision) {
        String json = "{\"revision\":" + revision + ",\"type\":\"" + (value == null ? "delete" : "put") + "\",\"key\":\"" + key
                + "\"" + (value == null ? "" : ",\"value\":\"" + java.util.Base64.getEncoder().encodeToString(value.getBytes())
                + "\"") + ",\"version\":" + revision + "}";
        return (lastOfRevision ? "id: " + revision + "\n" : "") + "data: " + json + "\n\n";
    }

    static String progress(long revision) {
        return "data: {\"progress\":" + revision + "}\n\n";
    }

    static Answer body(String... parts) {
        return new Answer(200, String.join("", parts), java.util.Map.of("Content-Type", "text/event-stream"));
    }

    private static List<String> watchFroms(List<FakeHttpServer> servers) {
        List<FakeHttpServer.Request> all = new ArrayList<>();
        servers.forEach(s -> all.addAll(s.requests));
        return all.stream().filter(r -> r.path().equals("/v1/watch")).map(r -> r.query().get("from").get(0)).toList();
    }

    /** Records what a subscriber receives, and checks it never gets more than it requested. */
    static class Recorder implements Flow.Subscriber<WatchEvent> {
        final List<WatchEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        final AtomicLong requested = new AtomicLong();
        final List<String> violations = new CopyOnWriteArrayList<>();
        volatile Flow.Subscription subscription;
        private final long initial;

        Recorder(long initial) {
            this.initial = initial;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            request(initial);
        }

        void request(long n) {
            requested.addAndGet(n);
            subscription.request(n);
        }

        @Override
        public void onNext(WatchEvent e) {
            events.add(e);
            synchronized (this) {
                notifyAll(); // for awaitEvents
            }
            if (events.size() > requested.get()) {
                violations.add("event " + events.size() + " arrived with only " + requested.get() + " requested");
            }
        }

        @Override
        public void onError(Throwable t) {
            error.complete(t);
            synchronized (this) {
                notifyAll();
            }
        }

        @Override
        public void onComplete() {
            violations.add("a watch never completes");
        }

        List<String> seen() {
            return events.stream().map(e -> e.revision() + ":" + e.key() + (e.type() == WatchEvent.Type.PUT ? "=" + e.valueAsString() : "-"))
                    .toList();
        }

        /** Waits until {@code n} events arrived, woken by each event or the error (no polling); fails after 30 s. */
        synchronized void awaitEvents(int n) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (events.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || error.isDone()) {
                    throw new AssertionError("expected " + n + " events, got " + seen() + " error " + error.getNow(null));
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    @Test
    void everyEventComesOnceInOrderWhenStreamsAreCutMidRevisionAndResumeAfterTheLastWholeOne() throws Exception {
        AtomicInteger watches = new AtomicInteger();
        FakeHttpServer.Script script = r -> {
            if (!r.path().equals("/v1/watch")) {
                return now(Answer.error(404, "not-found"));
            }
            return switch (watches.incrementAndGet()) {
                // Revision 5 whole; revision 6 cut after its first event.
                case 1 -> now(body(event(5, "p/a", "1", false), event(5, "p/b", "2", true), event(6, "p/c", "3", false)));
                // From 6 again: revision 6 whole, then a progress note up to 9.
                case 2 -> now(body(event(6, "p/c", "3", false), event(6, "p/d", "4", true), progress(9)));
                // From 10: revision 10, then the stream ends (the node stopped serving it).
                case 3 -> now(body(event(10, "p/e", null, true)));
                default -> new CompletableFuture<>(); // holds the stream open, silent
            };
        };
        FakeHttpServer s1 = serve(script);
        FakeHttpServer s2 = serve(script);
        TallyClient c = client(s1.endpoint(), s2.endpoint());
        Recorder rec = new Recorder(Long.MAX_VALUE);
        c.watch(Watch.prefix("p/").from(5)).subscribe(rec);
        rec.awaitEvents(5);
        assertEquals(List.of("5:p/a=1", "5:p/b=2", "6:p/c=3", "6:p/d=4", "10:p/e-"), rec.seen());
        // The fourth stream (from 11) is opened after the third ends, on the client's own time: wait for it.
        FakeHttpServer.awaitRequests("fourth watch request", 30,
                () -> watchFroms(servers).size() >= 4);
        assertEquals(List.of("5", "6", "10", "11"), sorted(watchFroms(servers)).subList(0, 4),
                "each stream resumes after the last revision received whole, or the last progress note");
        assertEquals(List.of(), rec.violations);
        assertTrue(!rec.error.isDone(), "still watching: " + rec.error.getNow(null));
        assertTrue(s1.requests.stream().anyMatch(r -> r.path().equals("/v1/watch"))
                && s2.requests.stream().anyMatch(r -> r.path().equals("/v1/watch")), "resumed on the other endpoint too");
        assertEquals("text/event-stream", s1.requests.get(0).header("Accept"));
        rec.subscription.cancel();
    }

    private static List<String> sorted(List<String> froms) {
        return froms.stream().sorted(java.util.Comparator.comparingLong(Long::parseLong)).toList();
    }

    @Test
    void aWatchWithoutFromStartsAfterTheRevisionANodeHasApplied() throws Exception {
        FakeHttpServer s = serve(r -> r.path().equals("/v1/status")
                ? now(Answer.json(200, "{\"id\":\"n1\",\"state\":\"leader\",\"term\":3,\"leader\":\"n1\",\"commitIndex\":41,"
                        + "\"appliedIndex\":41,\"lastLogIndex\":41,\"configurationIndex\":1,\"removed\":false,\"members\":[]}"))
                : r.query().get("from").get(0).equals("42") ? now(body(event(42, "k", "v", true))) : new CompletableFuture<>());
        TallyClient c = client(s.endpoint());
        Recorder rec = new Recorder(10);
        c.watch(Watch.key("k")).subscribe(rec);
        rec.awaitEvents(1);
        assertEquals(List.of("42:k=v"), rec.seen());
        assertEquals("k", s.requests.stream().filter(r -> r.path().equals("/v1/watch")).findFirst().orElseThrow()
                .query().get("key").get(0));
        rec.subscription.cancel();
    }

    @Test
    void aRevisionNoLongerKeptEndsTheWatchWithTheOldestOneAtTheStartOrMidway() throws Exception {
        FakeHttpServer s = serve(r -> now(Answer.json(410, "{\"error\":\"too old\",\"code\":\"compacted\",\"oldest\":100}")));
        Recorder rec = new Recorder(10);
        client(s.endpoint()).watch(Watch.prefix("").from(3)).subscribe(rec);
        WatchCompactedException e = assertInstanceOf(WatchCompactedException.class, rec.error.get(20, TimeUnit.SECONDS));
        assertEquals(100, e.oldest());
        assertEquals(410, e.status());
        assertEquals(1, s.requests.size(), "not retried: every node keeps a similar history");

        FakeHttpServer midway = serve(r -> now(body(event(3, "a", "x", true),
                "data: {\"error\":\"fell behind\",\"code\":\"compacted\",\"oldest\":50}\n\n")));
        Recorder rec2 = new Recorder(10);
        client(midway.endpoint()).watch(Watch.prefix("").from(3)).subscribe(rec2);
        assertEquals(50, assertInstanceOf(WatchCompactedException.class, rec2.error.get(20, TimeUnit.SECONDS)).oldest());
        assertEquals(List.of("3:a=x"), rec2.seen(), "what came before is delivered first");
    }

    @Test
    void aMalformedWatchIsRefusedWithoutRetries() throws Exception {
        FakeHttpServer s = serve(r -> now(Answer.error(400, "invalid-key")));
        Recorder rec = new Recorder(1);
        client(s.endpoint()).watch(Watch.key("k").from(1)).subscribe(rec);
        TallyException e = assertInstanceOf(TallyException.class, rec.error.get(20, TimeUnit.SECONDS));
        assertEquals(400, e.status());
        assertEquals("invalid-key", e.code());
        assertEquals(1, s.requests.size());
    }

    @Test
    void aNodeThatCannotServeNowIsFollowedByTheNext() throws Exception {
        FakeHttpServer busy = serve(r -> now(Answer.error(503, "shutting-down")));
        FakeHttpServer good = serve(r -> r.path().equals("/v1/watch") ? now(body(event(7, "k", "v", true)))
                : new CompletableFuture<>());
        Recorder rec = new Recorder(1);
        client(busy.endpoint(), good.endpoint()).watch(Watch.key("k").from(7)).subscribe(rec);
        rec.awaitEvents(1);
        assertEquals(List.of("7:k=v"), rec.seen());
        rec.subscription.cancel();
    }

    @Test
    void theSubscriberGetsNoMoreThanItRequestedAndThenTheRestInOrder() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int r = 1; r <= 60; r++) {
            b.append(event(r, "k" + r, "v" + r, true));
        }
        AtomicInteger watches = new AtomicInteger();
        FakeHttpServer s = serve(r -> watches.incrementAndGet() == 1 ? now(body(b.toString())) : new CompletableFuture<>());
        Recorder rec = new Recorder(3);
        client(s.endpoint()).watch(Watch.prefix("k").from(1)).subscribe(rec);
        rec.awaitEvents(3);
        assertEquals(3, rec.events.size());
        rec.request(57);
        rec.awaitEvents(60);
        for (int i = 0; i < 60; i++) {
            assertEquals(i + 1, rec.events.get(i).revision());
        }
        assertEquals(List.of(), rec.violations);
        rec.subscription.cancel();
    }

    @Test
    void closingTheClientEndsItsWatchesWithAnError() throws Exception {
        FakeHttpServer s = serve(r -> new CompletableFuture<>());
        TallyClient c = client(s.endpoint());
        Recorder rec = new Recorder(1);
        c.watch(Watch.key("k").from(1)).subscribe(rec);
        FakeHttpServer.awaitRequests("watch request", 20, () -> !s.requests.isEmpty());
        c.close();
        TallyException e = assertInstanceOf(TallyException.class, rec.error.get(20, TimeUnit.SECONDS));
        assertEquals("client-closed", e.code());
    }

    @Test
    void aWatchNoNodeAcceptsEndsAfterGiveUpAfter() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Recorder rec = new Recorder(1);
        client("127.0.0.1:" + port).watch(Watch.key("k").from(1).giveUpAfter(Duration.ofMillis(500))).subscribe(rec);
        assertInstanceOf(ClusterUnavailableException.class, rec.error.get(20, TimeUnit.SECONDS));
    }

    @Test
    void aRequestForNothingIsAnError() throws Exception {
        FakeHttpServer s = serve(r -> new CompletableFuture<>());
        Recorder rec = new Recorder(0) {
            @Override
            public void onSubscribe(Flow.Subscription sub) {
                subscription = sub;
                sub.request(0);
            }
        };
        client(s.endpoint()).watch(Watch.key("k").from(1)).subscribe(rec);
        assertInstanceOf(IllegalArgumentException.class, rec.error.get(20, TimeUnit.SECONDS));
    }

    @Test
    void watchesAreCheckedWhenMade() {
        assertInstanceOf(IllegalArgumentException.class, catchThrowable(() -> Watch.key("")));
        assertInstanceOf(IllegalArgumentException.class, catchThrowable(() -> Watch.key("k").from(0)));
        assertInstanceOf(IllegalArgumentException.class, catchThrowable(() -> Watch.prefix("p").giveUpAfter(Duration.ZERO)));
        assertEquals("key=a%20b%2Fc&from=3", Watch.key("a b/c").query(3));
        assertEquals("prefix=&from=1", Watch.prefix("").query(1));
    }

    private static Throwable catchThrowable(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
