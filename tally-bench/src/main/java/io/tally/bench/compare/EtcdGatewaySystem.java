package io.tally.bench.compare;

import java.time.Duration;
import java.util.List;

/** etcd driven through its HTTP/JSON gateway by {@link HttpLoadGenerator}, every connection to the leader. */
final class EtcdGatewaySystem implements SystemUnderTest {

    private final EtcdCluster cluster;
    private final HttpLoadGenerator load;
    private final CompareSettings settings;
    private final KeySpace keys;
    private int leader = -1;

    EtcdGatewaySystem(EtcdCluster cluster, HttpLoadGenerator load, CompareSettings settings) {
        this.cluster = cluster;
        this.load = load;
        this.settings = settings;
        this.keys = new KeySpace(settings.keys());
    }

    @Override
    public String name() {
        return "etcd, HTTP gateway";
    }

    @Override
    public void start() throws Exception {
        cluster.ensureStarted();
    }

    @Override
    public Measurement measure(Workload workload, Duration warmup, Duration period) throws Exception {
        leader = cluster.leaderIndex(Duration.ofSeconds(30));
        var address = cluster.clientAddress(leader);
        var requests = new EtcdGatewayRequests("127.0.0.1:" + address.getPort(), keys, KeySpace.value(settings.valueBytes(), 1));
        return load.run(List.of(new HttpLoadGenerator.Target(address, requests)), workload, keys.size(), warmup, period);
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
