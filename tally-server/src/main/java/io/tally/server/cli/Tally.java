package io.tally.server.cli;

import io.tally.server.ServerMain;

import java.util.Arrays;

/**
 * The {@code ./tally} command: {@code server}, {@code dev}, the client commands ({@code put}, {@code get},
 * {@code delete}, {@code scan}, {@code status}), the cluster commands ({@code members}, {@code add-member},
 * {@code remove-member}, {@code transfer-leader}) and {@code bench}. Exit codes: 0 success, 1 key absent,
 * compare-and-set failed or a cluster change refused, 2 usage error, 3 cluster unavailable (or an outcome unknown).
 */
public final class Tally {

    static final String USAGE = """
            usage: ./tally <command> [arguments]

            Run a cluster:
              dev                      a 3-node cluster on this machine (Raft 7001-7003, HTTP 8001-8003,
                                       data in ./data/dev); Ctrl-C stops it, data is kept
              server FLAGS             one node; ./tally server --help lists the flags

            Talk to a cluster (--endpoints HOST:PORT,... default 127.0.0.1:8001,127.0.0.1:8002,127.0.0.1:8003;
            --timeout DURATION default 5s):
              put KEY VALUE            set a key                       get KEY [--consistency linearizable|lease|stale]
              delete KEY               delete a key                    scan PREFIX [--limit N]
              status                   the answering node's status

            Change the cluster (--endpoints as above; --timeout defaults to 10m for add-member, 60s otherwise):
              members                  list the members and the configuration index
              add-member ID RAFT_ADDR HTTP_ADDR [--non-voter]
                                       add a voter (caught up first, then promoted) or a non-voter
              remove-member ID         remove a member (the leader too: it hands over and steps down)
              transfer-leader [ID]     move leadership to ID, or to the most up-to-date voter

            Measure:
              bench [FLAGS]            load generator; ./tally bench --help lists the flags
              bench compare [OPTIONS]  Tally against etcd, SOFAJRaft and Apache Ratis on this machine, tables
                                       into docs/benchmarks.md; ./tally bench compare --help lists the options

            Exit codes: 0 success, 1 key absent, compare-and-set failed, or a cluster change refused,
                        2 usage error, 3 cluster unavailable or a write's outcome unknown.
            """;

    private Tally() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "server" -> ServerMain.main(rest);
            case "dev" -> {
                quietLogs();
                System.exit(DevCluster.run(rest));
            }
            case "bench" -> {
                quietLogs();
                System.exit(Bench.run(rest));
            }
            case "put", "get", "delete", "scan", "status" -> {
                quietLogs();
                System.exit(ClientCommands.run(args[0], rest));
            }
            case "members", "add-member", "remove-member", "transfer-leader" -> {
                quietLogs();
                System.exit(ClusterCommands.run(args[0], rest));
            }
            default -> {
                System.err.println("tally: unknown command '" + args[0] + "'; ./tally --help lists the commands");
                System.exit(2);
            }
        }
    }

    /** Client-side commands print results, not the nodes' logs (must run before any logger is created). */
    static void quietLogs() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
}
