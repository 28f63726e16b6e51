package io.tally.server.cli;

import io.tally.raft.RaftState;
import io.tally.server.MemberHttp;
import io.tally.server.ServerOptions;
import io.tally.server.TallyNode;
import io.tally.server.UsageException;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./tally dev}: three nodes in this process on loopback — Raft on 7001-7003, HTTP on 8001-8003 — with
 * their data under {@code ./data/dev}, kept across restarts. Runs until Ctrl-C, then shuts down cleanly.
 *
 * <p>With {@code --tls}, both ports of every node speak only TLS, with the certificates of {@link DevCertificates}
 * in {@code ./data/dev/tls}. Nothing in the nodes' data records the transport (the configuration holds host:port
 * addresses; all three nodes switch together), so a data directory made with TLS runs without it and the reverse.
 */
final class DevCluster {

    static final int NODES = 3;

    private DevCluster() {
    }

    static int run(Console console, boolean tls) {
        Path data = Path.of("data", "dev");
        Path tlsDir = data.resolve("tls");
        DevCertificates certs = null;
        if (tls) {
            try {
                certs = DevCertificates.ensure(tlsDir, ids(), Instant.now());
            } catch (IOException | RuntimeException e) {
                // A FileSystemException's message is just the path: name the kind of failure too.
                String why = e instanceof FileSystemException ? e.getClass().getSimpleName() + " " + e.getMessage() : e.getMessage();
                console.err().println("tally dev: cannot make the TLS certificates in " + tlsDir + ": " + why);
                console.err().println("(delete " + tlsDir + " to start over with new ones)");
                return ExitCode.USAGE;
            }
        }
        StringBuilder cluster = new StringBuilder();
        for (int i = 1; i <= NODES; i++) {
            cluster.append(i == 1 ? "" : ",").append("n").append(i).append("=127.0.0.1:").append(7000 + i)
                    .append("/127.0.0.1:").append(8000 + i);
        }
        List<TallyNode> nodes = new ArrayList<>();
        try {
            for (int i = 1; i <= NODES; i++) {
                List<String> args = new ArrayList<>(List.of("--id", "n" + i,
                        "--data-dir", data.resolve("n" + i).toString(), "--raft", "127.0.0.1:" + (7000 + i),
                        "--http", "127.0.0.1:" + (8000 + i), "--cluster", cluster.toString(), "--cluster-id", "tally-dev"));
                if (certs != null) {
                    args.addAll(certs.serverFlags("n" + i));
                }
                nodes.add(new TallyNode(ServerOptions.parse(args.toArray(String[]::new))));
            }
        } catch (TallyNode.DataDirectoryException | UsageException e) {
            console.err().println("tally dev: " + e.getMessage());
            console.err().println("(is another ./tally dev running? ports 7001-7003 and 8001-8003 must be free)");
            nodes.forEach(TallyNode::close);
            return ExitCode.USAGE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.out().println("\nstopping the dev cluster...");
            nodes.forEach(TallyNode::close);
            console.out().println("stopped; data kept in " + data.toAbsolutePath());
            stopped.countDown();
        }, "tally-dev-shutdown"));
        String leader = awaitLeader(console, nodes);
        String scheme = tls ? "https" : "http";
        console.out().println();
        console.out().println("Tally dev cluster: " + NODES + " nodes, data in " + data + (leader == null ? "" : ", leader " + leader)
                + (tls ? ", TLS on both ports" : ""));
        for (int i = 1; i <= NODES; i++) {
            console.out().printf("  n%d  %s://127.0.0.1:%d   (raft 127.0.0.1:%d)%n", i, scheme, 8000 + i, 7000 + i);
        }
        console.out().println();
        if (certs != null) {
            Path ca = certs.caCert();
            console.out().println("Certificates in " + tlsDir + ": ca.pem (the CA), n1.pem-n" + NODES + ".pem, keys in *-key.pem; "
                    + (certs.made().isEmpty() ? "reused from an earlier run" : "made now: " + String.join(", ", certs.made())));
            console.out().println();
            console.out().println("Try, in another shell:");
            console.out().println("  curl --cacert " + ca + " -X PUT --data-binary 'world' https://127.0.0.1:8001/v1/kv/hello");
            console.out().println("  curl --cacert " + ca + " https://127.0.0.1:8002/v1/kv/hello");
            console.out().println("  ./tally --cacert " + ca + " get hello");
        } else {
            if (Files.isDirectory(tlsDir)) {
                console.out().println("(plaintext: " + tlsDir + " holds certificates from a --tls run; ./tally dev --tls uses them)");
                console.out().println();
            }
            console.out().println("Try, in another shell:");
            console.out().println("  curl -X PUT --data-binary 'world' http://127.0.0.1:8001/v1/kv/hello");
            console.out().println("  curl http://127.0.0.1:8002/v1/kv/hello");
            console.out().println("  ./tally get hello");
        }
        console.out().println();
        console.out().println("Ctrl-C stops the cluster; the data stays for the next ./tally dev.");
        console.out().flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static List<String> ids() {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            ids.add("n" + i);
        }
        return ids;
    }

    private static String awaitLeader(Console console, List<TallyNode> nodes) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (TallyNode n : nodes) {
                // Every member's HTTP address is in the bootstrap configuration: a leader can be forwarded to at once.
                if (n.raft().state() == RaftState.LEADER) {
                    return n.raft().id();
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        console.out().println("(no leader yet after 30 s; requests will wait for one)");
        return null;
    }
}
