package io.tally.bench.compare;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one part of the comparison: starts every system, warms each on its own cluster (the warm-up walks through
 * the part's workloads, so that every code path is compiled, and its figures are kept as short-warm-up figures),
 * then measures round after round, every workload on every system in turn. The order of the systems rotates from
 * round to round. A system that fails to start, or a point that fails, is reported and the run goes on.
 */
final class Comparison {

    private final CompareOptions options;
    private final PrintStream out;

    Comparison(CompareOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    PartResult run(ComparePlan.Part part, List<SystemUnderTest> systems) {
        PartResult result = new PartResult(part);
        List<SystemUnderTest> running = new ArrayList<>();
        for (SystemUnderTest s : systems) {
            out.printf("[%s] starting %s...%n", part.name(), s.name());
            try {
                s.start();
                running.add(s);
                if (s instanceof LibrarySystem l) {
                    result.descriptions.put(s.name(), l.description());
                }
            } catch (Exception | LinkageError e) {
                result.failures.put(s.name(), "did not start: " + e);
                out.printf("[%s] %s did not start: %s%n", part.name(), s.name(), e);
            }
        }
        List<Workload> workloads = part.workloads();
        Duration slice = options.warmup().dividedBy(workloads.size());
        for (SystemUnderTest s : new ArrayList<>(running)) {
            out.printf("[%s] warming %s for %d s%n", part.name(), s.name(), options.warmup().toSeconds());
            for (Workload w : workloads) {
                try {
                    Measurement m = s.measure(w, Duration.ZERO, slice);
                    result.duringWarmup.add(new PointResult(s.name(), w, 0, m, s.rssKib(), s.leader()));
                    out.printf("[%s]   warm-up  %-28s %-24s %s%n", part.name(), s.name(), w.name(), Report.summary(m));
                } catch (Exception | LinkageError e) {
                    result.failures.put(s.name(), "failed during its warm-up: " + e);
                    out.printf("[%s] %s failed during its warm-up: %s%n", part.name(), s.name(), e);
                    running.remove(s);
                    break;
                }
            }
        }
        for (int round = 1; round <= options.rounds(); round++) {
            for (Workload w : workloads) {
                for (int i = 0; i < running.size(); i++) {
                    SystemUnderTest s = running.get((i + round - 1) % running.size());
                    try {
                        Measurement m = s.measure(w, options.pointWarmup(), options.period());
                        PointResult p = new PointResult(s.name(), w, round, m, s.rssKib(), s.leader());
                        result.points.add(p);
                        out.printf("[%s] round %d %-28s %-24s %s%n", part.name(), round, s.name(), w.name(), Report.summary(m));
                    } catch (Exception | LinkageError e) {
                        result.failures.merge(s.name(), "round " + round + ", " + w.name() + ": " + e, (a, b) -> a + "; " + b);
                        out.printf("[%s] round %d %s %s failed: %s%n", part.name(), round, s.name(), w.name(), e);
                    }
                }
            }
        }
        return result;
    }
}
