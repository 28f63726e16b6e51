package io.tally.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.client.ClusterUnavailableException;
import io.tally.client.Consistency;
import io.tally.client.TallyClient;
import io.tally.client.TallyException;
import io.tally.server.UsageException;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code ./tally bench}: N concurrent request streams in this one process, each with one request in flight and a
 * write session of its own ({@link TallyClient#fork()}), over a shared pool of connections per endpoint; no thread per
 * stream. Issues a write/read mix against a cluster for a duration or a number of operations; prints throughput,
 * latency percentiles (HdrHistogram) and errors by kind, and writes them as JSON.
 */
final class Bench {

    static final String USAGE = """
            usage: ./tally bench [--endpoints HOST:PORT,...] [--clients N] [--connections N] [--duration 10s | --ops N]
                                 [--reads FRACTION] [--keys N] [--key-size BYTES] [--value-size BYTES]
                                 [--consistency linearizable|lease|stale] [--warmup 2s] [--timeout 5s] [--json FILE]

              --clients N        concurrent request streams, each one request at a time on a session of its own
                                 (default 1; up to 10,000)
              --connections N    connections per endpoint, shared by the streams (default: as many as --clients);
                                 with fewer connections than streams, requests are pipelined on them
              --duration D       how long to measure (default 10s), after --warmup (default 2s)
              --ops N            measure N operations instead of a duration
              --reads F          fraction of reads, 0..1 (default 0: all writes)
              --keys N           distinct keys, chosen uniformly (default 10000)
              --key-size B       key length in bytes (default 16)
              --value-size B     value length in bytes (default 256)
              --consistency C    how reads are served (default linearizable)
              --timeout D        the client's timeout per operation (default 5s)
              --json FILE        also write the results as JSON (default bench-result.json)

            ./tally bench compare --help: the side-by-side comparison with etcd, SOFAJRaft and Ratis.
            """;

    /** The most requests the client pipelines on one connection. */
    private static final int MAX_PIPELINED = 1024;

    private Bench() {
    }

    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("compare")) {
            // The comparison lives in tally-bench (the only module that may depend on the peers): the launcher
            // builds it and starts its orchestrator before this class is ever reached.
            System.err.println("tally bench compare: run it through the launcher, ./tally bench compare (it builds "
                    + "tally-bench with the compare profile); ./tally bench compare --help lists its options");
            return 2;
        }
        if (List.of(args).contains("--help")) {
            System.out.print(USAGE);
            return 0;
        }
        CliArgs a;
        try {
            a = CliArgs.parse(args, Set.of("endpoints", "clients", "connections", "duration", "ops", "reads", "keys",
                    "key-size", "value-size", "consistency", "warmup", "json", "timeout"));
            if (!a.positional.isEmpty()) {
                throw new UsageException("unexpected argument '" + a.positional.get(0) + "'");
            }
            return new Plan(a).execute();
        } catch (UsageException | IllegalArgumentException e) {
            System.err.println("tally bench: " + e.getMessage());
            System.err.println("./tally bench --help shows the flags");
            return 2;
        }
    }

    private static final class Plan {
        final List<String> endpoints;
        final int clients;
        final int connections;
        final Duration duration;
        final long ops;
        final double reads;
        final int keys;
        final int keySize;
        final int valueSize;
        final Consistency consistency;
        final Duration warmup;
        final Path json;
        final Duration timeout;

        Plan(CliArgs a) throws UsageException {
            endpoints = TallyClient.parseEndpoints(a.flag("endpoints", ClientCommands.DEFAULT_ENDPOINTS));
            clients = (int) a.longFlag("clients", 1, 1, 10_000);
            connections = (int) a.longFlag("connections", clients, 1, 10_000);
            if (pipelineDepth() > MAX_PIPELINED) {
                throw new UsageException("--connections " + connections + " would pipeline " + pipelineDepth()
                        + " requests per connection; at most " + MAX_PIPELINED + ": use --connections "
                        + ((clients + MAX_PIPELINED - 1) / MAX_PIPELINED) + " or more");
            }
            duration = a.durationFlag("duration", "10s");
            ops = a.longFlag("ops", 0, 0, Long.MAX_VALUE);
            reads = a.fractionFlag("reads", 0);
            keys = (int) a.longFlag("keys", 10_000, 1, 100_000_000);
            keySize = (int) a.longFlag("key-size", 16, 8, 4096);
            valueSize = (int) a.longFlag("value-size", 256, 0, 1 << 20);
            try {
                consistency = Consistency.valueOf(a.flag("consistency", "linearizable").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--consistency must be linearizable, lease or stale");
            }
            warmup = a.durationFlag("warmup", "2s");
            json = Path.of(a.flag("json", "bench-result.json"));
            timeout = a.durationFlag("timeout", "5s");
        }

        /** Requests per connection when every stream has one in flight. */
        int pipelineDepth() {
            return (clients + connections - 1) / connections;
        }

        String key(int k) {
            String s = "k" + k;
            return s + "-".repeat(Math.max(0, keySize - s.length()));
        }

        int execute() {
            Run run = new Run(this);
            TallyClient root = TallyClient.builder().endpoints(endpoints).timeout(timeout)
                    .connectionsPerEndpoint(connections).maxPipelinedRequests(pipelineDepth()).build();
            List<TallyClient> sessions = new ArrayList<>();
            List<CompletableFuture<Void>> streams = new ArrayList<>();
            try {
                for (int c = 0; c < clients; c++) {
                    TallyClient client = c == 0 ? root : root.fork();
                    sessions.add(client);
                    streams.add(new Stream(this, run, client, c).start());
                }
                CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).join();
            } catch (CompletionException e) {
                System.err.println("tally bench: a request stream failed: " + e.getCause());
                return 3;
            } finally {
                for (int i = sessions.size() - 1; i >= 0; i--) {
                    sessions.get(i).close();
                }
            }
            return report(run, (System.nanoTime() - run.warmEnd) / 1e9);
        }

        private int report(Run run, double seconds) {
            long total = run.writes.getTotalCount() + run.reads.getTotalCount();
            Map<String, Long> errors = new TreeMap<>();
            run.errors.forEach((kind, n) -> errors.put(kind, n.sum()));
            long errorCount = errors.values().stream().mapToLong(Long::longValue).sum();
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("endpoints", endpoints);
            result.put("clients", clients);
            result.put("connections", connections);
            result.put("readFraction", reads);
            result.put("keySize", keySize);
            result.put("valueSize", valueSize);
            result.put("consistency", consistency.name().toLowerCase(Locale.ROOT));
            result.put("seconds", Math.round(seconds * 100) / 100.0);
            result.put("operations", total);
            result.put("errors", errorCount);
            result.put("errorsByKind", errors);
            result.put("throughput", Math.round(total / seconds));
            result.put("writes", summary(run.writes));
            result.put("reads", summary(run.reads));
            System.out.printf("%d clients on %d connection%s per endpoint, %.0f%% reads, %d B keys, %d B values: "
                            + "%,d ops in %.1f s = %,d ops/s, %d errors%n", clients, connections, connections == 1 ? "" : "s",
                    reads * 100, keySize, valueSize, total, seconds, Math.round(total / seconds), errorCount);
            print("writes", run.writes);
            print("reads", run.reads);
            if (!errors.isEmpty()) {
                StringBuilder line = new StringBuilder("  errors");
                errors.forEach((kind, n) -> line.append("  ").append(kind).append(' ').append(n));
                System.out.println(line);
            }
            try {
                Files.writeString(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
                System.out.println("results written to " + json);
            } catch (IOException e) {
                System.err.println("tally bench: cannot write " + json + ": " + e.getMessage());
                return 2;
            }
            return total == 0 ? 3 : 0;
        }

        private static Map<String, Object> summary(Histogram h) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", h.getTotalCount());
            m.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
            m.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
            m.put("p999Ms", h.getValueAtPercentile(99.9) / 1000.0);
            m.put("maxMs", h.getMaxValue() / 1000.0);
            return m;
        }

        private static void print(String what, Histogram h) {
            if (h.getTotalCount() == 0) {
                return;
            }
            System.out.printf("  %-6s %,9d  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms%n", what, h.getTotalCount(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
        }
    }

    /** What the streams share: when measuring starts and ends, and what they measured. */
    private static final class Run {
        final long warmEnd;
        final long end;
        final AtomicLong issued = new AtomicLong();
        /** Latencies in microseconds; recorded from the client's event loop threads. */
        final Histogram writes = new ConcurrentHistogram(3_600_000_000L, 3);
        final Histogram reads = new ConcurrentHistogram(3_600_000_000L, 3);
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        Run(Plan p) {
            warmEnd = System.nanoTime() + p.warmup.toNanos();
            end = p.ops > 0 ? Long.MAX_VALUE : warmEnd + p.duration.toNanos();
        }
    }

    /**
     * One request stream: issues the next operation from the completion of the previous one, on whatever thread
     * completed it; no thread of its own.
     */
    private static final class Stream {
        private final Plan plan;
        private final Run run;
        private final TallyClient client;
        private final SplittableRandom rnd;
        private final byte[] value;
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        Stream(Plan plan, Run run, TallyClient client, int id) {
            this.plan = plan;
            this.run = run;
            this.client = client;
            this.rnd = new SplittableRandom(id * 7919L + 17);
            this.value = new byte[plan.valueSize];
            rnd.nextBytes(value);
        }

        CompletableFuture<Void> start() {
            next();
            return done;
        }

        private void next() {
            try {
                while (true) {
                    long now = System.nanoTime();
                    boolean measuring = now >= run.warmEnd;
                    if (now >= run.end || (plan.ops > 0 && measuring && run.issued.getAndIncrement() >= plan.ops)) {
                        done.complete(null);
                        return;
                    }
                    String key = plan.key(rnd.nextInt(plan.keys));
                    boolean read = rnd.nextDouble() < plan.reads;
                    long t0 = System.nanoTime();
                    CompletableFuture<?> op = read ? client.getAsync(key, plan.consistency, plan.timeout)
                            : client.putAsync(key, value, -1, plan.timeout);
                    if (!op.isDone()) {
                        op.whenComplete((r, e) -> {
                            record(read, measuring, t0, e);
                            next();
                        });
                        return;
                    }
                    // Done already (refused at once): record it and go on here rather than recursing.
                    record(read, measuring, t0, op.handle((r, e) -> e).join());
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }

        private void record(boolean read, boolean measuring, long t0, Throwable error) {
            if (!measuring) {
                return;
            }
            if (error == null) {
                (read ? run.reads : run.writes).recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                return;
            }
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String kind = e instanceof ClusterUnavailableException ? "unavailable"
                    : e instanceof TallyException t ? (t.code().isEmpty() ? "http-" + t.status() : t.code())
                    : e.getClass().getSimpleName();
            run.errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
        }
    }
}
