package io.tally.server;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of a node process: {@code java -cp ... io.tally.server.ServerMain --id n1 ...}. Exit codes:
 * 0 after a clean shutdown (SIGTERM / Ctrl-C), 2 for bad flags or an unusable data directory or address.
 * Prints one line beginning {@code READY} to stdout once it serves.
 */
public final class ServerMain {

    private ServerMain() {
    }

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(ServerOptions.USAGE);
            return;
        }
        ServerOptions options;
        try {
            options = ServerOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("tally server: " + e.getMessage());
            System.err.println("run with --help for usage");
            System.exit(2);
            return;
        }
        TallyNode node;
        try {
            node = new TallyNode(options);
        } catch (TallyNode.DataDirectoryException e) {
            System.err.println("tally server: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "tally-shutdown"));
        System.out.println("READY node " + options.id() + " raft " + options.raft() + " http "
                + node.httpAddress().getHostString() + ":" + node.httpAddress().getPort());
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
