package io.tally.bench.compare;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import io.grpc.StatusRuntimeException;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * etcd driven through its native gRPC API by the jetcd client, connected to the leader. jetcd multiplexes every
 * request over one HTTP/2 connection, so "connections" here are concurrent callers, each with one request in flight:
 * puts, and gets with {@code serializable=false} (linearizable, etcd's default).
 */
final class EtcdGrpcSystem implements SystemUnderTest {

    private final EtcdCluster cluster;
    private final CompareSettings settings;
    private final ByteSequence[] keys;
    private final ByteSequence value;
    private final GetOption linearizable = GetOption.builder().withSerializable(false).build();
    private Client client;
    private int clientLeader = -1;
    private int leader = -1;

    EtcdGrpcSystem(EtcdCluster cluster, CompareSettings settings) {
        this.cluster = cluster;
        this.settings = settings;
        KeySpace space = new KeySpace(settings.keys());
        keys = new ByteSequence[space.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ByteSequence.from(space.key(i));
        }
        value = ByteSequence.from(KeySpace.value(settings.valueBytes(), 1));
    }

    @Override
    public String name() {
        return "etcd, gRPC (jetcd " + PeerVersions.get("jetcd") + ")";
    }

    @Override
    public void start() throws Exception {
        cluster.ensureStarted();
    }

    @Override
    public Measurement measure(Workload workload, Duration warmup, Duration period) throws Exception {
        leader = cluster.leaderIndex(Duration.ofSeconds(30));
        if (client == null || leader != clientLeader) {
            if (client != null) {
                client.close();
            }
            client = Client.builder().endpoints(cluster.clientUrl(leader)).build();
            clientLeader = leader;
        }
        KV kv = client.getKVClient();
        LoadStats stats = new LoadStats();
        Caller[] callers = new Caller[workload.concurrency()];
        CountDownLatch stopped = new CountDownLatch(callers.length);
        for (int i = 0; i < callers.length; i++) {
            callers[i] = new Caller(kv, workload, stats, stopped, new SplittableRandom(i * 7919L + System.nanoTime()));
            callers[i].next();
        }
        Thread.sleep(warmup.toMillis());
        stats.restart();
        Thread.sleep(period.toMillis());
        Measurement m = stats.take();
        for (Caller c : callers) {
            c.running = false;
        }
        stopped.await(30, TimeUnit.SECONDS);
        return m;
    }

    /** One concurrent caller: the next request leaves when the previous one has completed. */
    private final class Caller {
        private final KV kv;
        private final Workload workload;
        private final LoadStats stats;
        private final CountDownLatch stopped;
        private final SplittableRandom random;
        volatile boolean running = true;

        Caller(KV kv, Workload workload, LoadStats stats, CountDownLatch stopped, SplittableRandom random) {
            this.kv = kv;
            this.workload = workload;
            this.stats = stats;
            this.stopped = stopped;
            this.random = random;
        }

        void next() {
            if (!running) {
                stopped.countDown();
                return;
            }
            ByteSequence key = keys[random.nextInt(keys.length)];
            boolean read = workload.readFraction() > 0 && random.nextDouble() < workload.readFraction();
            long start = System.nanoTime();
            CompletableFuture<?> f = read ? kv.get(key, linearizable) : kv.put(key, value);
            f.whenComplete((r, e) -> {
                if (e == null) {
                    stats.completed(start);
                } else {
                    stats.failed(kind(e));
                }
                next();
            });
        }
    }

    /** The gRPC status code (and etcd's message) of a failed call, e.g. {@code "UNAVAILABLE: etcdserver: leader changed"}. */
    private static String kind(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException
                || t.getClass().getSimpleName().equals("EtcdException")) && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof StatusRuntimeException s) {
            String d = s.getStatus().getDescription();
            return s.getStatus().getCode() + (d == null ? "" : ": " + (d.length() > 60 ? d.substring(0, 60) : d));
        }
        return t.getClass().getSimpleName();
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
        if (client != null) {
            client.close();
        }
        cluster.close();
    }
}
