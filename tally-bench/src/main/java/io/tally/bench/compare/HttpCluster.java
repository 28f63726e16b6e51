package io.tally.bench.compare;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** Three server processes with an HTTP API (etcd's gateway, Tally's server), as {@link HttpSystem} drives them. */
interface HttpCluster extends AutoCloseable {

    /** Starts the members, unless they run already. */
    void ensureStarted() throws Exception;

    /** The leading member's index, waiting up to {@code timeout} for one. */
    int leaderIndex(Duration timeout) throws InterruptedException;

    /** Member {@code i}'s HTTP address. */
    InetSocketAddress httpAddress(int i);

    /** Each member's resident set size, in KiB. */
    List<Long> rssKib();

    @Override
    void close();
}
