package io.tally.bench.compare;

import java.time.Duration;
import java.util.List;

/** One compared system: a three-node cluster on this machine and the way it is loaded. */
interface SystemUnderTest extends AutoCloseable {

    /** The name in the tables, e.g. {@code "etcd 3.4.23, HTTP gateway"}. */
    String name();

    /** Starts the cluster (if it is not running yet) and waits until it has a leader. */
    void start() throws Exception;

    /** Runs {@code workload} for {@code warmup} unmeasured, then for {@code period} measured. */
    Measurement measure(Workload workload, Duration warmup, Duration period) throws Exception;

    /** The index (0-based) of the node that led during the last measured period, or -1. */
    int leader();

    /** Each node's resident set size now, in KiB (-1 when unknown). */
    List<Long> rssKib();

    @Override
    void close();
}
