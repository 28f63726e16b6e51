package io.tally.server;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of a node process: {@code java -cp ... io.tally.server.ServerMain --id n1 ...}. Exit codes:
 * 143 (128 + SIGTERM, the JVM's) after a graceful stop on SIGTERM or Ctrl-C, 1 when the stop watchdog had to halt
 * it, 2 for bad flags or an unusable data directory, address or log file.
 * Prints one line beginning {@code READY} to stdout once it serves.
 *
 * <p>SIGTERM (and Ctrl-C) stop the node gracefully ({@link TallyNode#shutdownGracefully()}): a leader hands leadership
 * over first, requests in flight are answered. Should that hang, a watchdog halts the process after
 * {@link #HALT_AFTER}, so that a stop always completes within a bounded time.
 */
public final class ServerMain {

    /** A graceful stop that has not finished by then is cut short: the process halts with exit code 1. */
    static final java.time.Duration HALT_AFTER = TallyNode.GRACEFUL_STOP_BOUND.plusSeconds(5);

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
        try {
            LogSetup.apply(options.logging());
        } catch (UsageException e) {
            System.err.println("tally server: " + e.getMessage());
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
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(HALT_AFTER.toMillis());
                } catch (InterruptedException e) {
                    return; // stopped in time
                }
                System.err.println("tally server: the graceful stop did not finish within " + HALT_AFTER.toSeconds()
                        + " s; halting");
                Runtime.getRuntime().halt(1);
            }, "tally-stop-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            node.shutdownGracefully();
            watchdog.interrupt();
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
