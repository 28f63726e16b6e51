package io.tally.bench.compare;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The control channel of a library node process: commands on stdin, answers on stdout prefixed with
 * {@value NodeProcess#CONTROL}. {@code ROLE} answers {@code leader} or {@code follower};
 * {@code RUN OUTSTANDING COMMAND_BYTES KEYS WARMUP_MS PERIOD_MS} runs {@link ApplyLoad} (on the leader only) and
 * answers with the {@link Measurement}; {@code DESCRIBE} names the library; {@code QUIT} (or the end of stdin)
 * closes the node and exits.
 */
final class NodeControl {

    private NodeControl() {
    }

    /** What a node main does: starts the node, serves the channel, and exits (a failed start exits with 1). */
    static void launch(java.util.concurrent.Callable<LibraryNode> start) {
        LibraryNode node;
        try {
            node = start.call();
        } catch (Throwable e) {
            e.printStackTrace();
            answer("ERROR the node did not start: " + e);
            System.exit(1);
            return;
        }
        try {
            serve(node);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // the libraries' own threads may not be daemons
    }

    private static void serve(LibraryNode node) throws Exception {
        answer("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        try {
            while ((line = in.readLine()) != null) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "ROLE" -> answer(node.isLeader() ? "leader" : "follower");
                    case "DESCRIBE" -> answer(node.describe());
                    case "RUN" -> {
                        if (!node.isLeader()) {
                            answer("ERROR not the leader");
                        } else {
                            Measurement m = ApplyLoad.run(node, Integer.parseInt(w[1]), Integer.parseInt(w[2]),
                                    Integer.parseInt(w[3]), Duration.ofMillis(Long.parseLong(w[4])),
                                    Duration.ofMillis(Long.parseLong(w[5])));
                            answer(m.toLine());
                        }
                    }
                    case "QUIT" -> {
                        return;
                    }
                    default -> answer("ERROR unknown command " + w[0]);
                }
            }
        } finally {
            node.close();
            System.out.flush();
        }
    }

    private static void answer(String s) {
        System.out.println(NodeProcess.CONTROL + " " + s);
        System.out.flush();
    }
}
