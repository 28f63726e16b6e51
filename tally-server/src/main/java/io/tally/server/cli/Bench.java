package io.tally.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.client.ClusterUnavailableException;
import io.tally.client.Consistency;
import io.tally.client.TallyClient;
import io.tally.client.TallyException;
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

    /** The most requests the client pipelines on one connection. */
    private static final int MAX_PIPELINED = 1024;

    private Bench() {
    }

    /** {@code ./tally bench ARGS} (for tests): runs the command, printing to this process's streams. */
    static int run(String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        return Tally.execute(Console.system(), all);
    }

    /** What to run, checked ({@link BenchCommand} collects it). */
    static final class Plan {
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
        /** Operations per second in total, at most; 0: as fast as the streams go. */
        final double rate;

        Plan(List<String> endpoints, int clients, int connections, Duration duration, long ops, double reads, int keys,
             int keySize, int valueSize, Consistency consistency, Duration warmup, Path json, Duration timeout,
             double rate) {
            this.endpoints = endpoints;
            this.clients = clients;
            this.connections = connections;
            this.duration = duration;
            this.ops = ops;
            this.reads = reads;
            this.keys = keys;
            this.keySize = keySize;
            this.valueSize = valueSize;
            this.consistency = consistency;
            this.warmup = warmup;
            this.json = json;
            this.timeout = timeout;
            this.rate = rate;
            if (pipelineDepth() > MAX_PIPELINED) {
                throw CliFailure.usage("--connections " + connections + " would pipeline " + pipelineDepth()
                        + " requests per connection; at most " + MAX_PIPELINED + ": use --connections "
                        + ((clients + MAX_PIPELINED - 1) / MAX_PIPELINED) + " or more");
            }
        }

        /** Requests per connection when every stream has one in flight. */
        int pipelineDepth() {
            return (clients + connections - 1) / connections;
        }

        String key(int k) {
            String s = "k" + k;
            return s + "-".repeat(Math.max(0, keySize - s.length()));
        }

        /** Runs it; {@code printJson}: the results go to standard output as JSON instead of the summary. */
        int execute(Console console, boolean printJson) {
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
                console.err().println("tally bench: a request stream failed: " + e.getCause());
                return ExitCode.UNAVAILABLE;
            } finally {
                for (int i = sessions.size() - 1; i >= 0; i--) {
                    sessions.get(i).close();
                }
                if (run.pacer != null) {
                    run.pacer.close();
                }
            }
            return report(console, printJson, run, (System.nanoTime() - run.warmEnd) / 1e9);
        }

        private int report(Console console, boolean printJson, Run run, double seconds) {
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
            result.put("rate", rate > 0 ? rate : null);
            result.put("seconds", Math.round(seconds * 100) / 100.0);
            result.put("operations", total);
            result.put("errors", errorCount);
            result.put("errorsByKind", errors);
            result.put("throughput", Math.round(total / seconds));
            result.put("writes", summary(run.writes));
            result.put("reads", summary(run.reads));
            if (printJson) {
                Output.json(console, result);
            } else {
                console.out().printf("%d clients on %d connection%s per endpoint, %.0f%% reads, %d B keys, %d B values%s: "
                            + "%,d ops in %.1f s = %,d ops/s, %d errors%n", clients, connections, connections == 1 ? "" : "s",
                        reads * 100, keySize, valueSize, rate > 0 ? String.format(", at most %,.0f ops/s", rate) : "",
                        total, seconds, Math.round(total / seconds), errorCount);
                print(console, "writes", run.writes);
                print(console, "reads", run.reads);
                if (!errors.isEmpty()) {
                    StringBuilder line = new StringBuilder("  errors");
                    errors.forEach((kind, n) -> line.append("  ").append(kind).append(' ').append(n));
                    console.out().println(line);
                }
            }
            try {
                Files.writeString(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
                if (!printJson) {
                    console.out().println("results written to " + json);
                }
            } catch (IOException e) {
                console.err().println("tally bench: cannot write " + json + ": " + e.getMessage());
                return ExitCode.USAGE;
            }
            console.out().flush();
            return total == 0 ? ExitCode.UNAVAILABLE : ExitCode.OK;
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

        private static void print(Console console, String what, Histogram h) {
            if (h.getTotalCount() == 0) {
                return;
            }
            console.out().printf("  %-6s %,9d  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms%n", what, h.getTotalCount(),
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
        /** Holds the streams to {@code --rate}; null without one. */
        final Pacer pacer;

        Run(Plan p) {
            pacer = p.rate > 0 ? new Pacer(p.rate, System::nanoTime) : null;
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

        /** Issues operations until one is in flight (its completion calls this again) or the stream is done. */
        private void next() {
            try {
                while (true) {
                    if (run.pacer != null) {
                        long wait = run.pacer.claim();
                        if (wait > 0) {
                            run.pacer.later(this::afterWait, wait);
                            return;
                        }
                    }
                    if (!issue()) {
                        return;
                    }
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }

        /** On the pacer's thread, the stream's slot come. */
        private void afterWait() {
            try {
                if (issue()) {
                    next();
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }

        /**
         * Issues the next operation. True: it is done already (refused at once), recorded, and the caller goes on
         * with the next one here rather than recursing; false: its completion goes on, or the stream is done.
         */
        private boolean issue() {
            long now = System.nanoTime();
            boolean measuring = now >= run.warmEnd;
            if (now >= run.end || (plan.ops > 0 && measuring && run.issued.getAndIncrement() >= plan.ops)) {
                done.complete(null);
                return false;
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
                return false;
            }
            record(read, measuring, t0, op.handle((r, e) -> e).join());
            return true;
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
