package io.tally.bench.compare;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The options of {@code ./tally bench compare}.
 *
 * @param quick        a smoke test: short warm-ups and periods, one round (figures not to be published)
 * @param out          the Markdown file whose comparison sections are replaced
 * @param only         {@code product}, {@code library} or null for both
 * @param warmup       each system's warm-up on its cluster before its first measured period
 * @param pointWarmup  the unmeasured lead-in of every measured point (connections open, the load settles)
 * @param period       each measured period
 * @param rounds       how many times every point is measured (interleaved); medians are reported
 * @param keys         the key space
 * @param jvmOptions   the options of every JVM node
 * @param workDir      where data directories and logs go (null: a new temporary directory)
 * @param keep         keep the data directories and logs after the run
 */
record CompareOptions(boolean quick, Path out, String only, Duration warmup, Duration pointWarmup, Duration period,
                      int rounds, int keys, List<String> jvmOptions, Path workDir, boolean keep) {

    static final String USAGE = """
            usage: ./tally bench compare [--quick] [--only product|library] [--out FILE]
                                         [--warmup 45s] [--point-warmup 3s] [--period 10s] [--rounds 3]
                                         [--keys 100000] [--jvm-opts "-Xmx1g -XX:+UseG1GC"] [--work-dir DIR] [--keep]

            Runs, interleaved on this machine, Tally against its peers and writes the tables into docs/benchmarks.md:
              product   etcd 3.4 (Debian's etcd-server, installed with apt-get when missing) through its HTTP
                        gateway and through gRPC (jetcd), against three ./tally server processes through their
                        HTTP API; 1, 64 and 256 connections of writes, 256 connections of 90 % linearizable reads
              library   Tally's RaftNode, SOFAJRaft and Apache Ratis, three durable processes each, the load in the
                        leader's process through each library's apply API; 1 and 256 outstanding 128-byte commands
            Every system is warmed on its cluster, then every point is measured once per round, the systems taking
            turns; the report gives the medians of the rounds, and the machine's loopback round trip, fdatasync
            rate, versions and each node's memory (RSS).

              --quick            smoke test: --warmup 5s --point-warmup 1s --period 3s --rounds 1, report to
                                 tally-bench/target/compare-quick.md unless --out is given
              --only WHAT        product or library (default: both)
              --out FILE         Markdown file to write the sections into (default docs/benchmarks.md); the sections
                                 between their markers are replaced, or appended when the file has none
              --warmup D         each system's warm-up before its first measured point (default 45s)
              --point-warmup D   unmeasured lead-in of every point (default 3s)
              --period D         each measured period (default 10s)
              --rounds N         rounds of interleaved points; medians are reported (default 3)
              --keys N           distinct 8-byte keys (default 100000)
              --jvm-opts "..."   options of every JVM node: Tally, SOFAJRaft, Ratis (default -Xmx1g -XX:+UseG1GC)
              --work-dir DIR     where data directories and logs go (default: a new directory in /tmp)
              --keep             keep the data directories and logs (default: deleted after the run)
            Durations are seconds, with or without an s (45, 45s).
            """;

    static CompareOptions parse(String[] args, Path root) {
        boolean quick = Arrays.asList(args).contains("--quick");
        Path out = null;
        String only = null;
        Duration warmup = Duration.ofSeconds(quick ? 5 : 45);
        Duration pointWarmup = Duration.ofSeconds(quick ? 1 : 3);
        Duration period = Duration.ofSeconds(quick ? 3 : 10);
        int rounds = quick ? 1 : 3;
        int keys = 100_000;
        List<String> jvm = List.of("-Xmx1g", "-XX:+UseG1GC");
        Path workDir = null;
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> { }
                case "--keep" -> keep = true;
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--only" -> {
                    only = value(args, ++i, a);
                    if (!only.equals("product") && !only.equals("library")) {
                        throw new IllegalArgumentException("--only takes product or library, not '" + only + "'");
                    }
                }
                case "--warmup" -> warmup = seconds(value(args, ++i, a), a);
                case "--point-warmup" -> pointWarmup = seconds(value(args, ++i, a), a);
                case "--period" -> period = seconds(value(args, ++i, a), a);
                case "--rounds" -> rounds = number(value(args, ++i, a), a, 1, 100);
                case "--keys" -> keys = number(value(args, ++i, a), a, 1, 10_000_000);
                case "--jvm-opts" -> jvm = List.of(value(args, ++i, a).trim().split("\\s+"));
                case "--work-dir" -> workDir = Path.of(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (period.isZero()) {
            throw new IllegalArgumentException("--period must be at least 1s");
        }
        if (out == null) {
            out = quick ? root.resolve("tally-bench/target/compare-quick.md") : root.resolve("docs/benchmarks.md");
        }
        return new CompareOptions(quick, out, only, warmup, pointWarmup, period, rounds, keys, jvm, workDir, keep);
    }

    boolean runs(String part) {
        return only == null || only.equals(part);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static Duration seconds(String v, String flag) {
        String s = v.endsWith("s") ? v.substring(0, v.length() - 1) : v;
        try {
            long n = Long.parseLong(s);
            if (n < 0 || n > 3600) {
                throw new IllegalArgumentException(flag + " must be between 0s and 3600s");
            }
            return Duration.ofSeconds(n);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes seconds (45 or 45s), not '" + v + "'");
        }
    }

    private static int number(String v, String flag, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(flag + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a number, not '" + v + "'");
        }
    }
}
