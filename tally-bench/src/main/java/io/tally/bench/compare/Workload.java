package io.tally.bench.compare;

import java.util.List;

/**
 * One measured point's load: how many requests are in flight at once (connections for the product, outstanding
 * {@code apply} calls for the libraries) and the fraction of them that are linearizable reads.
 *
 * @param name        short label used in tables ("w64": 64 connections, 100 % writes)
 * @param concurrency requests in flight at once, one per connection (or per outstanding slot)
 * @param readFraction fraction of reads, 0..1
 */
record Workload(String name, int concurrency, double readFraction) {

    Workload {
        if (concurrency < 1 || readFraction < 0 || readFraction > 1) {
            throw new IllegalArgumentException("bad workload " + name);
        }
    }

    /** The product comparison: 1, 64 and 256 connections of writes; 256 connections of 90 % linearizable reads. */
    static final List<Workload> PRODUCT = List.of(new Workload("1 conn, 100 % writes", 1, 0),
            new Workload("64 conns, 100 % writes", 64, 0), new Workload("256 conns, 100 % writes", 256, 0),
            new Workload("256 conns, 90 % reads", 256, 0.9));

    /** The library comparison: 1 and 256 outstanding commands. */
    static final List<Workload> LIBRARY = List.of(new Workload("1 outstanding", 1, 0),
            new Workload("256 outstanding", 256, 0));
}
