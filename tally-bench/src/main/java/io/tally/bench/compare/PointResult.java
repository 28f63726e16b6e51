package io.tally.bench.compare;

import java.util.List;

/** One measured point: a system, a workload, a round, what was measured and each node's RSS (KiB) at its end. */
record PointResult(String system, Workload workload, int round, Measurement measurement, List<Long> rssKib) {
}
