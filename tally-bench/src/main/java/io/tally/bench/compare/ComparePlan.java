package io.tally.bench.compare;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/** What a run will measure and how long it will take: printed before it starts. */
final class ComparePlan {

    /** A rough allowance for starting a three-node cluster and stopping it. */
    static final Duration CLUSTER_START = Duration.ofSeconds(20);
    /** Between two measured points: finding the leader, opening and closing connections. */
    static final Duration POINT_OVERHEAD = Duration.ofSeconds(2);

    /** One part of the run: its systems and their points. */
    record Part(String name, List<String> systems, List<Workload> workloads) {
    }

    private ComparePlan() {
    }

    static Duration probes(CompareOptions o) {
        Duration rtt = o.quick() ? Duration.ofSeconds(3) : Duration.ofSeconds(7);
        Duration fsync = o.quick() ? Duration.ofSeconds(4) : Duration.ofSeconds(10);
        return rtt.plus(fsync);
    }

    static Duration estimate(CompareOptions o, Part p) {
        int systems = p.systems().size();
        Duration point = o.pointWarmup().plus(o.period()).plus(POINT_OVERHEAD);
        return CLUSTER_START.multipliedBy(systems).plus(o.warmup().multipliedBy(systems))
                .plus(point.multipliedBy((long) o.rounds() * systems * p.workloads().size()));
    }

    static void print(CompareOptions o, List<Part> parts, PrintStream out) {
        out.println("Plan" + (o.quick() ? " (--quick: a smoke test, its figures are not for publication)" : "") + ":");
        Duration total = probes(o);
        out.printf("  probes: loopback TCP round trip, fdatasync rate of the data directories' disk (%d s)%n",
                probes(o).toSeconds());
        for (Part p : parts) {
            Duration d = estimate(o, p);
            total = total.plus(d);
            out.printf("  %s: %s%n", p.name(), String.join(", ", p.systems()));
            out.printf("    points: %s%n", String.join("; ", p.workloads().stream().map(Workload::name).toList()));
            out.printf("    each system warmed %d s on its cluster, then %d round(s) of every point (%d s lead-in + %d s "
                            + "measured), the systems taking turns: %d measured points, about %d min%n",
                    o.warmup().toSeconds(), o.rounds(), o.pointWarmup().toSeconds(), o.period().toSeconds(),
                    o.rounds() * p.systems().size() * p.workloads().size(), (d.toSeconds() + 59) / 60);
        }
        out.printf("  estimated total: about %d min%s%n", (total.toSeconds() + 59) / 60,
                total.compareTo(Duration.ofMinutes(30)) > 0 ? " (MORE than the 30 min a full run should take: "
                        + "shorten --warmup, --period or --rounds)" : "");
        out.printf("  JVM options of every node: %s; report: %s%n", String.join(" ", o.jvmOptions()), o.out());
        out.flush();
    }
}
