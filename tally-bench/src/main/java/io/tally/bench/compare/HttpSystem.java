package io.tally.bench.compare;

import java.time.Duration;
import java.util.List;

/** A cluster driven through its HTTP API by {@link HttpLoadGenerator}, every connection to the leader. */
final class HttpSystem implements SystemUnderTest {

    /** The requests of one system's API: {@code (host:port, keys, value)}. */
    @FunctionalInterface
    interface Requests {
        HttpRequests make(String host, KeySpace keys, byte[] value);
    }

    private final String name;
    private final HttpCluster cluster;
    private final Requests requests;
    private final HttpLoadGenerator load;
    private final CompareSettings settings;
    private final KeySpace keys;
    private int leader = -1;

    HttpSystem(String name, HttpCluster cluster, Requests requests, HttpLoadGenerator load, CompareSettings settings) {
        this.name = name;
        this.cluster = cluster;
        this.requests = requests;
        this.load = load;
        this.settings = settings;
        this.keys = new KeySpace(settings.keys());
    }

    /** etcd through its HTTP/JSON gateway. */
    static HttpSystem etcdGateway(EtcdCluster etcd, HttpLoadGenerator load, CompareSettings settings) {
        return new HttpSystem("etcd, HTTP gateway", etcd, EtcdGatewayRequests::new, load, settings);
    }

    /** Tally's key/value server through its HTTP API. */
    static HttpSystem tally(CompareSettings settings, HttpLoadGenerator load) {
        return new HttpSystem("Tally, HTTP API", new TallyServerCluster(settings), TallyHttpRequests::new, load, settings);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start() throws Exception {
        cluster.ensureStarted();
    }

    @Override
    public Measurement measure(Workload workload, Duration warmup, Duration period) throws Exception {
        leader = cluster.leaderIndex(Duration.ofSeconds(30));
        var address = cluster.httpAddress(leader);
        var r = requests.make("127.0.0.1:" + address.getPort(), keys, KeySpace.value(settings.valueBytes(), 1));
        return load.run(List.of(new HttpLoadGenerator.Target(address, r)), workload, keys.size(), warmup, period);
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
