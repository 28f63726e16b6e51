package io.tally.bench.compare;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The Markdown section of one part of a run: machine, date, versions, the machine's round trip and fdatasync
 * figures, then tables of throughput, latency percentiles (medians over the rounds), errors and each node's RSS.
 */
final class Report {

    /** The run's context, the same for both parts. */
    record Context(MachineInfo machine, Map<String, String> versions, LoopbackRtt.Result rtt, FsyncProbe.Result fsync,
                   CompareOptions options) {
    }

    private Report() {
    }

    /** One line for the console: {@code 12,345 ops/s  p50 1.2 ms  p99 ...  errors 0}. */
    static String summary(Measurement m) {
        return String.format(Locale.ROOT, "%,10.0f ops/s  p50 %s  p99 %s  p99.9 %s  errors %d%s", m.throughput(),
                ms(m.p50Us()), ms(m.p99Us()), ms(m.p999Us()), m.errorCount(),
                m.resets() > 0 ? "  resets " + m.resets() : "");
    }

    static String section(String title, Context c, PartResult r) {
        StringBuilder b = new StringBuilder();
        CompareOptions o = c.options();
        b.append("### ").append(title).append("\n\n");
        b.append("`./tally bench compare").append(o.quick() ? " --quick" : "").append(" --only ").append(r.part.name())
                .append("`, ").append(LocalDate.now()).append(o.quick() ? " — **a --quick smoke test: short warm-ups "
                        + "and periods, one round; not figures to quote**" : "").append(".\n\n");
        MachineInfo m = c.machine();
        b.append("- Machine: ").append(m.cpu()).append(", ").append(m.cores()).append(" cores, ").append(m.memory())
                .append(", ").append(m.os()).append(" (Linux ").append(m.kernel()).append("), ").append(m.java())
                .append("; data directories on ").append(m.disk()).append(".\n");
        b.append("- Versions: ");
        List<String> v = new ArrayList<>();
        c.versions().forEach((k, val) -> v.add(k + " " + val));
        b.append(String.join(", ", v)).append(". JVM options of every JVM node: `")
                .append(String.join(" ", o.jvmOptions())).append("`.\n");
        if (c.rtt() != null) {
            b.append(String.format(Locale.ROOT, "- Loopback TCP round trip between two processes (%d B, one at a time): "
                            + "p50 %.1f µs, p99 %.1f µs, p99.9 %.1f µs (%,.0f round trips/s).%n", LoopbackRtt.MESSAGE_BYTES,
                    c.rtt().p50Us(), c.rtt().p99Us(), c.rtt().p999Us(), c.rtt().perSecond()));
        }
        if (c.fsync() != null) {
            b.append(String.format(Locale.ROOT, "- fdatasync of 4 KiB writes on the data directories' disk: %,.0f/s "
                            + "appending to a file, %,.0f/s inside a preallocated one.%n", c.fsync().appendingPerSecond(),
                    c.fsync().inPlacePerSecond()));
        }
        b.append(String.format(Locale.ROOT, "- Method: each system warmed %d s on its cluster; then %d round(s), each "
                        + "point %d s measured after a %d s lead-in, the systems taking turns (the order rotating by "
                        + "round); medians of the rounds. %,d keys of 8 bytes, chosen uniformly.%n%n",
                o.warmup().toSeconds(), o.rounds(), o.period().toSeconds(), o.pointWarmup().toSeconds(), o.keys()));
        throughput(b, r);
        errors(b, r);
        rss(b, r);
        if (!r.failures.isEmpty()) {
            b.append("Not measured, or not in full:\n\n");
            r.failures.forEach((s, why) -> b.append("- ").append(s).append(": ").append(why.replace('\n', ' ')).append('\n'));
            b.append('\n');
        }
        return b.toString();
    }

    private static void throughput(StringBuilder b, PartResult r) {
        b.append("| workload | system | throughput (ops/s) | range over rounds | p50 | p99 | p99.9 | during warm-up |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Workload w : r.part.workloads()) {
            for (String s : r.part.systems()) {
                List<Measurement> ms = r.of(s, w);
                if (ms.isEmpty()) {
                    b.append("| ").append(w.name()).append(" | ").append(s).append(" | not measured | | | | | |\n");
                    continue;
                }
                double lo = ms.stream().mapToDouble(Measurement::throughput).min().orElse(0);
                double hi = ms.stream().mapToDouble(Measurement::throughput).max().orElse(0);
                String warm = r.duringWarmup.stream().filter(p -> p.system().equals(s) && p.workload().equals(w))
                        .map(p -> String.format(Locale.ROOT, "%,.0f", p.measurement().throughput())).findFirst().orElse("");
                b.append(String.format(Locale.ROOT, "| %s | %s | **%,.0f** | %,.0f–%,.0f | %s | %s | %s | %s |%n", w.name(), s,
                        median(ms, Measurement::throughput), lo, hi, ms((long) median(ms, x -> x.p50Us())),
                        ms((long) median(ms, x -> x.p99Us())), ms((long) median(ms, x -> x.p999Us())), warm));
            }
        }
        b.append("\nLatencies are medians over the rounds of each round's percentile; \"during warm-up\" is the "
                + "throughput of that workload's slice of the system's warm-up (a short-warm-up figure).\n\n");
    }

    private static void errors(StringBuilder b, PartResult r) {
        b.append("| workload | system | operations | errors | errors by kind | connection resets |\n");
        b.append("|---|---|---:|---:|---|---:|\n");
        for (Workload w : r.part.workloads()) {
            for (String s : r.part.systems()) {
                List<Measurement> ms = r.of(s, w);
                Map<String, Long> kinds = new TreeMap<>();
                long ops = 0;
                long resets = 0;
                for (Measurement m : ms) {
                    ops += m.ops();
                    resets += m.resets();
                    m.errors().forEach((k, n) -> kinds.merge(k, n, Long::sum));
                }
                long errors = kinds.values().stream().mapToLong(Long::longValue).sum();
                List<String> k = new ArrayList<>();
                kinds.forEach((kind, n) -> k.add(kind.replace("|", "/") + ": " + n));
                b.append(String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %s | %,d |%n", w.name(), s, ops, errors,
                        k.isEmpty() ? "—" : String.join(", ", k), resets));
            }
        }
        b.append("\nErrors and resets are summed over the measured periods of all rounds.\n\n");
    }

    private static void rss(StringBuilder b, PartResult r) {
        b.append("| workload | system | RSS node 1 | RSS node 2 | RSS node 3 |\n");
        b.append("|---|---|---:|---:|---:|\n");
        for (Workload w : r.part.workloads()) {
            for (String s : r.part.systems()) {
                List<PointResult> ps = r.points.stream().filter(p -> p.system().equals(s) && p.workload().equals(w))
                        .toList();
                if (ps.isEmpty()) {
                    continue;
                }
                int nodes = ps.stream().mapToInt(p -> p.rssKib().size()).max().orElse(0);
                b.append("| ").append(w.name()).append(" | ").append(s);
                for (int i = 0; i < 3; i++) {
                    int n = i;
                    long max = i < nodes ? ps.stream().filter(p -> p.rssKib().size() > n).mapToLong(p -> p.rssKib().get(n))
                            .max().orElse(-1) : -1;
                    boolean led = ps.get(ps.size() - 1).leader() == n;
                    b.append(" | ").append(max < 0 ? "?" : String.format(Locale.ROOT, "%,.0f MiB", max / 1024.0))
                            .append(led ? " (leader)" : "");
                }
                b.append(" |\n");
            }
        }
        b.append("\nResident set size (VmRSS) of each node at the end of each measured period, the largest over the "
                + "rounds; \"(leader)\": the node that led in the last round, which carried the load.\n\n");
    }

    static double median(List<Measurement> ms, ToDoubleFunction<Measurement> f) {
        double[] v = ms.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return 0;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Microseconds as milliseconds with sensible precision. */
    static String ms(long us) {
        double m = us / 1000.0;
        return m < 1 ? String.format(Locale.ROOT, "%.3f ms", m) : m < 10 ? String.format(Locale.ROOT, "%.2f ms", m)
                : String.format(Locale.ROOT, "%.0f ms", m);
    }
}
