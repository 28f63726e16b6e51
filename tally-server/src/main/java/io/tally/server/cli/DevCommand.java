package io.tally.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code ./tally dev [--tls]}: three nodes in this process ({@link DevCluster}). */
@Command(name = "dev", mixinStandardHelpOptions = true, description = {"Run a 3-node cluster on this machine: Raft on "
        + "127.0.0.1:7001-7003, HTTP on 127.0.0.1:8001-8003, data in ./data/dev. Ctrl-C stops it; the data is kept for the "
        + "next run."})
final class DevCommand implements Callable<Integer> {

    private final Console console;

    @Option(names = "--tls", description = "TLS on both ports of every node, with a throwaway CA and node certificates made "
            + "into ./data/dev/tls (kept and reused until they expire); clients trust data/dev/tls/ca.pem")
    boolean tls;

    DevCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        return DevCluster.run(console, tls);
    }
}
