package io.tally.bench.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one part of the run (product or library) measured: the points of every round, the figures taken
 * during each system's warm-up (short-warm-up figures), what each system said it runs, and the systems or points
 * that failed, with the reason.
 */
final class PartResult {

    final ComparePlan.Part part;
    final List<PointResult> points = new ArrayList<>();
    final List<PointResult> duringWarmup = new ArrayList<>();
    final Map<String, String> descriptions = new LinkedHashMap<>();
    final Map<String, String> failures = new LinkedHashMap<>();

    PartResult(ComparePlan.Part part) {
        this.part = part;
    }

    /** The measured points of {@code system} under {@code workload}, one per round. */
    List<Measurement> of(String system, Workload workload) {
        return points.stream().filter(p -> p.system().equals(system) && p.workload().equals(workload))
                .map(PointResult::measurement).toList();
    }
}
