package io.tally.bench;

import io.tally.client.Consistency;
import io.tally.client.TallyClient;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What a request costs the client: the CPU time of the client's own threads per request, for {@code TallyClient}
 * (Netty) and, beside it, for the JDK's {@code java.net.http.HttpClient} alone (what {@code TallyClient} used before
 * issue 13). Both issue stale reads of one key ({@code GET /v1/kv/KEY?consistency=stale}, which the node answers from
 * its own state) from N concurrent streams against a running node, such as one of {@code ./tally dev}'s; the node
 * runs in its own process, so its CPU is not counted.
 *
 * <p>Usage: {@code ClientCostBenchmark [--port 8001] [--streams 16] [--requests 20000]} (host 127.0.0.1).
 */
public final class ClientCostBenchmark {

    public static void main(String[] args) throws Exception {
        String endpoint = "127.0.0.1:" + BenchArgs.intArg(args, "--port", 8001);
        int streams = BenchArgs.intArg(args, "--streams", 16);
        int requests = BenchArgs.intArg(args, "--requests", 20_000);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();

        try (TallyClient client = TallyClient.builder().endpoints(List.of(endpoint)).connectionsPerEndpoint(streams).build()) {
            client.put("client-cost", new byte[256]);
            Consumer<Runnable> get = done -> client.getAsync("client-cost", Consistency.STALE, Duration.ofSeconds(5))
                    .whenComplete((r, e) -> done.run());
            measure("TallyClient (Netty)", "tally-client", get, streams, requests / 4, mx); // warm-up
            measure("TallyClient (Netty)", "tally-client", get, streams, requests, mx);
        }

        ExecutorService jdkThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jdk-http-client");
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().executor(jdkThreads).connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + endpoint + "/v1/kv/client-cost?consistency=stale&timeout=5s"))
                .timeout(Duration.ofSeconds(6)).GET().build();
        Consumer<Runnable> jdkGet = done -> http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .whenComplete((r, e) -> done.run());
        measure("JDK HttpClient", "HttpClient|jdk-http-client", jdkGet, streams, requests / 4, mx); // warm-up
        measure("JDK HttpClient", "HttpClient|jdk-http-client", jdkGet, streams, requests, mx);
        jdkThreads.shutdownNow();
    }

    /** Runs {@code requests} requests from {@code streams} streams; prints requests/s and client CPU per request. */
    private static void measure(String name, String threadPrefixes, Consumer<Runnable> get, int streams, int requests,
                                ThreadMXBean mx) throws InterruptedException {
        long cpu0 = cpu(mx, threadPrefixes);
        long t0 = System.nanoTime();
        AtomicInteger left = new AtomicInteger(requests);
        CountDownLatch done = new CountDownLatch(streams);
        for (int i = 0; i < streams; i++) {
            next(get, left, done);
        }
        done.await();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long cpu = cpu(mx, threadPrefixes) - cpu0;
        System.out.printf("%-20s %,7d requests, %d streams: %,8.0f requests/s, client CPU %,6.1f us per request%n",
                name, requests, streams, requests / seconds, cpu / 1000.0 / requests);
    }

    private static void next(Consumer<Runnable> get, AtomicInteger left, CountDownLatch done) {
        if (left.decrementAndGet() < 0) {
            done.countDown();
            return;
        }
        get.accept(() -> next(get, left, done));
    }

    /** CPU time of the live threads whose name starts with one of {@code prefixes} ('|'-separated). */
    private static long cpu(ThreadMXBean mx, String prefixes) {
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            for (String p : prefixes.split("\\|")) {
                if (t.getThreadName().startsWith(p)) {
                    sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
                    break;
                }
            }
        }
        return sum;
    }
}
