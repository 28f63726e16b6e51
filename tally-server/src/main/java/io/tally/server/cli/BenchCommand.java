package io.tally.server.cli;

import io.tally.client.Consistency;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code ./tally bench}: the load generator ({@link Bench}). */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load generator: N concurrent request streams from this process, each with one request in flight on "
                + "a session of its own, over a shared pool of connections per endpoint. Prints throughput, latency "
                + "percentiles and errors by kind (json: the result document), and writes them as JSON to --json.",
            "./tally bench compare --help: the side-by-side comparison with etcd, SOFAJRaft and Ratis (run by the launcher)."},
        subcommands = BenchCommand.Compare.class)
final class BenchCommand implements Callable<Integer> {

    private final Console console;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "1",
            description = "concurrent request streams, each one request at a time on a session of its own (default 1; up to 10,000)")
    long clients;

    @Option(names = "--connections", paramLabel = "N", description = "connections per endpoint, shared by the streams "
            + "(default: as many as --clients); with fewer connections than streams, requests are pipelined on them")
    Long connections;

    @Option(names = "--duration", paramLabel = "D", converter = DurationConverter.class, defaultValue = "10s",
            description = "how long to measure (default 10s), after --warmup")
    Duration duration;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "0", description = "measure N operations instead of a duration")
    long ops;

    @Option(names = "--rate", paramLabel = "OPS", defaultValue = "0", description = "at most this many operations per "
            + "second in total, spread evenly over time (default 0: as fast as the streams go); with --clients enough "
            + "to sustain it, the load is the same whatever the cluster does, so a cost can be measured per operation")
    double rate;

    @Option(names = "--reads", paramLabel = "F", defaultValue = "0", description = "fraction of reads, 0..1 (default 0: all writes)")
    double reads;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "10000", description = "distinct keys, chosen uniformly (default 10000)")
    long keys;

    @Option(names = "--key-size", paramLabel = "B", defaultValue = "16", description = "key length in bytes (default 16)")
    long keySize;

    @Option(names = "--value-size", paramLabel = "B", defaultValue = "256", description = "value length in bytes (default 256)")
    long valueSize;

    @Mixin
    ConsistencyOption consistency;

    @Option(names = "--warmup", paramLabel = "D", converter = DurationConverter.class, defaultValue = "2s",
            description = "unmeasured load first (default 2s)")
    Duration warmup;

    @Option(names = "--json", paramLabel = "FILE", defaultValue = "bench-result.json",
            description = "also write the results as JSON (default bench-result.json)")
    Path json;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    BenchCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        int c = (int) range("clients", clients, 1, 10_000);
        int conns = (int) range("connections", connections == null ? c : connections, 1, 10_000);
        range("ops", ops, 0, Long.MAX_VALUE);
        if (reads < 0 || reads > 1 || Double.isNaN(reads)) {
            throw CliFailure.usage("--reads must be between 0 and 1");
        }
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
            throw CliFailure.usage("--rate must be 0 (no limit) or a positive number of operations per second");
        }
        Consistency cons = consistency.consistency;
        Bench.Plan plan = new Bench.Plan(client.endpointList(), c, conns, duration, ops, reads,
                (int) range("keys", keys, 1, 100_000_000), (int) range("key-size", keySize, 8, 4096),
                (int) range("value-size", valueSize, 0, 1 << 20), cons, warmup, json, client.timeout(Duration.ofSeconds(5)), rate);
        return plan.execute(console, output.is(Output.Format.json));
    }

    private static long range(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw CliFailure.usage("--" + name + " must be between " + min + " and " + max);
        }
        return v;
    }

    /** {@code ./tally bench compare}: only through the launcher, which builds tally-bench with the peers first. */
    @Command(name = "compare", description = "Tally against etcd, SOFAJRaft and Apache Ratis on this machine (run through "
            + "./tally, which builds it first; ./tally bench compare --help lists its options)")
    static final class Compare implements Callable<Integer> {
        @picocli.CommandLine.Unmatched
        java.util.List<String> options;

        @Override
        public Integer call() {
            throw CliFailure.usage("run it through the launcher, ./tally bench compare (it builds tally-bench with the "
                    + "compare profile); ./tally bench compare --help lists its options");
        }
    }
}
