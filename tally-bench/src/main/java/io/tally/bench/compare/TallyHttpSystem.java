package io.tally.bench.compare;

import java.time.Duration;
import java.util.List;

/** Tally's key/value server driven through its HTTP API by {@link HttpLoadGenerator}, every connection to the leader. */
final class TallyHttpSystem implements SystemUnderTest {

    private final TallyServerCluster cluster;
    private final HttpLoadGenerator load;
    private final CompareSettings settings;
    private final KeySpace keys;
    private int leader = -1;

    private final boolean secure;

    /** With {@code secure}: TLS on both ports and authentication on, the load with a user's token. */
    TallyHttpSystem(CompareSettings settings, HttpLoadGenerator load, boolean secure) {
        this.secure = secure;
        this.cluster = new TallyServerCluster(settings, secure);
        this.load = load;
        this.settings = settings;
        this.keys = new KeySpace(settings.keys());
    }

    @Override
    public String name() {
        return secure ? "Tally, HTTP API, TLS + auth" : "Tally, HTTP API";
    }

    @Override
    public void start() throws Exception {
        cluster.ensureStarted();
    }

    @Override
    public Measurement measure(Workload workload, Duration warmup, Duration period) throws Exception {
        leader = cluster.leaderIndex(Duration.ofSeconds(30));
        var address = cluster.httpAddress(leader);
        var requests = new TallyHttpRequests("127.0.0.1:" + address.getPort(), keys, KeySpace.value(settings.valueBytes(), 1),
                cluster.authorization());
        return load.run(List.of(new HttpLoadGenerator.Target(address, requests, cluster.clientTls())), workload, keys.size(),
                warmup, period);
    }

    @Override
    public int leader() {
        return leader;
    }

    @Override
    public List<Long> rssKib() {
        return cluster.rssKib();
    }

    @Override
    public void close() {
        cluster.close();
    }
}
