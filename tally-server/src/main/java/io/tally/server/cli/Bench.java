package io.tally.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.server.UsageException;
import io.tally.client.Consistency;
import io.tally.client.TallyClient;
import io.tally.client.TallyException;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./tally bench}: N concurrent clients (one {@link TallyClient} session each, so each has one request
 * in flight) issuing a write/read mix against a cluster for a duration or a number of operations; prints
 * throughput and latency percentiles (HdrHistogram) and writes them as JSON.
 */
final class Bench {

    static final String USAGE = """
            usage: ./tally bench [--endpoints HOST:PORT,...] [--clients N] [--duration 10s | --ops N]
                                 [--reads FRACTION] [--keys N] [--key-size BYTES] [--value-size BYTES]
                                 [--consistency linearizable|lease|stale] [--warmup 2s] [--json FILE]

              --clients N        concurrent clients, each one request at a time (default 1)
              --duration D       how long to measure (default 10s), after --warmup (default 2s)
              --ops N            measure N operations instead of a duration
              --reads F          fraction of reads, 0..1 (default 0: all writes)
              --keys N           distinct keys, chosen uniformly (default 10000)
              --key-size B       key length in bytes (default 16)
              --value-size B     value length in bytes (default 256)
              --consistency C    how reads are served (default linearizable)
              --json FILE        also write the results as JSON (default bench-result.json)

            ./tally bench compare --help: the side-by-side comparison with etcd, SOFAJRaft and Ratis.
            """;

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
            a = CliArgs.parse(args, Set.of("endpoints", "clients", "duration", "ops", "reads", "keys", "key-size",
                    "value-size", "consistency", "warmup", "json", "timeout"));
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
            duration = a.durationFlag("duration", "10s");
            ops = a.longFlag("ops", 0, 0, Long.MAX_VALUE);
            reads = a.fractionFlag("reads", 0);
            keys = (int) a.longFlag("keys", 10_000, 1, 100_000_000);
            keySize = (int) a.longFlag("key-size", 16, 8, 4096);
            valueSize = (int) a.longFlag("value-size", 256, 0, 1 << 20);
            try {
                consistency = Consistency.valueOf(a.flag("consistency", "linearizable").toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--consistency must be linearizable, lease or stale");
            }
            warmup = a.durationFlag("warmup", "2s");
            json = Path.of(a.flag("json", "bench-result.json"));
            timeout = a.durationFlag("timeout", "5s");
        }

        String key(int k) {
            String s = "k" + k;
            return s + "-".repeat(Math.max(0, keySize - s.length()));
        }

        int execute() {
            Histogram writes = new Histogram(3_600_000_000L, 3);
            Histogram readsH = new Histogram(3_600_000_000L, 3);
            AtomicLong errors = new AtomicLong();
            AtomicLong issued = new AtomicLong();
            long warmEnd = System.nanoTime() + warmup.toNanos();
            long end = ops > 0 ? Long.MAX_VALUE : warmEnd + duration.toNanos();
            List<Thread> threads = new ArrayList<>();
            long[] measuredStart = {0};
            for (int c = 0; c < clients; c++) {
                int id = c;
                Thread t = new Thread(() -> {
                    SplittableRandom rnd = new SplittableRandom(id * 7919L + 17);
                    byte[] value = new byte[valueSize];
                    rnd.nextBytes(value);
                    Histogram w = new Histogram(3_600_000_000L, 3);
                    Histogram r = new Histogram(3_600_000_000L, 3);
                    try (TallyClient client = TallyClient.connect(endpoints, timeout)) {
                        while (true) {
                            long now = System.nanoTime();
                            boolean measuring = now >= warmEnd;
                            if (now >= end || (ops > 0 && measuring && issued.getAndIncrement() >= ops)) {
                                break;
                            }
                            String key = key(rnd.nextInt(keys));
                            boolean read = rnd.nextDouble() < reads;
                            long t0 = System.nanoTime();
                            try {
                                if (read) {
                                    client.get(key, consistency, timeout);
                                } else {
                                    client.put(key, value);
                                }
                                long us = (System.nanoTime() - t0) / 1000;
                                if (measuring) {
                                    (read ? r : w).recordValue(Math.max(1, us));
                                }
                            } catch (TallyException e) {
                                if (measuring) {
                                    errors.incrementAndGet();
                                }
                            }
                        }
                    }
                    synchronized (writes) {
                        writes.add(w);
                        readsH.add(r);
                    }
                }, "bench-client-" + c);
                threads.add(t);
                t.start();
            }
            measuredStart[0] = warmEnd;
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 3;
                }
            }
            double seconds = (System.nanoTime() - measuredStart[0]) / 1e9;
            long total = writes.getTotalCount() + readsH.getTotalCount();
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("endpoints", endpoints);
            result.put("clients", clients);
            result.put("readFraction", reads);
            result.put("keySize", keySize);
            result.put("valueSize", valueSize);
            result.put("consistency", consistency.name().toLowerCase(java.util.Locale.ROOT));
            result.put("seconds", Math.round(seconds * 100) / 100.0);
            result.put("operations", total);
            result.put("errors", errors.get());
            result.put("throughput", Math.round(total / seconds));
            result.put("writes", summary(writes));
            result.put("reads", summary(readsH));
            System.out.printf("%d clients, %.0f%% reads, %d B keys, %d B values: %,d ops in %.1f s = %,d ops/s, %d errors%n",
                    clients, reads * 100, keySize, valueSize, total, seconds, Math.round(total / seconds), errors.get());
            print("writes", writes);
            print("reads", readsH);
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
}
