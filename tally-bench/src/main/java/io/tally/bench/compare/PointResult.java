package io.tally.bench.compare;

import java.util.List;

/**
 * One measured point: a system, a workload, a round, what was measured, each node's RSS (KiB) at its end, and the
 * index of the node that led (-1: unknown).
 */
record PointResult(String system, Workload workload, int round, Measurement measurement, List<Long> rssKib, int leader) {
}
