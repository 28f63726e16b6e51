package io.tally.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Test hosts in Linux network namespaces: {@code tly-n1..N}, each with a veth into the bridge
 * {@code tly-br0} (10.77.0.1 in the root namespace) at 10.77.0.1i, and an nftables table {@code inet tally}
 * whose input and output chains receive the partition rules. Needs root, {@code ip} (iproute2) and
 * {@code nft} (nftables); {@link #unavailableReason} says why not when they are missing.
 */
final class NetworkNamespaces implements AutoCloseable {

    static final String BRIDGE = "tly-br0";
    private final int n;

    private NetworkNamespaces(int n) {
        this.n = n;
    }

    static String namespace(int i) {
        return "tly-n" + i;
    }

    static String ip(int i) {
        return "10.77.0.1" + i;
    }

    /** Why namespace tests cannot run here, if they cannot. */
    static Optional<String> unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("not running as root (user " + System.getProperty("user.name") + ")");
        }
        for (String tool : List.of("ip", "nft")) {
            try {
                if (new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() != 0) {
                    return Optional.of("'" + tool + "' is not installed (Debian packages iproute2 and nftables)");
                }
            } catch (IOException | InterruptedException e) {
                return Optional.of("cannot look for '" + tool + "': " + e);
            }
        }
        try {
            run("ip", "netns", "add", "tly-probe");
            run("ip", "netns", "del", "tly-probe");
        } catch (IOException e) {
            return Optional.of("cannot create network namespaces: " + e.getMessage());
        }
        return Optional.empty();
    }

    static NetworkNamespaces create(int n) throws IOException {
        NetworkNamespaces ns = new NetworkNamespaces(n);
        ns.teardown(); // leftovers of an interrupted run
        run("ip", "link", "add", BRIDGE, "type", "bridge");
        run("ip", "addr", "add", "10.77.0.1/24", "dev", BRIDGE);
        run("ip", "link", "set", BRIDGE, "up");
        for (int i = 1; i <= n; i++) {
            String name = namespace(i);
            run("ip", "netns", "add", name);
            run("ip", "link", "add", "tly-v" + i, "type", "veth", "peer", "name", "tly-p" + i);
            run("ip", "link", "set", "tly-p" + i, "netns", name);
            run("ip", "link", "set", "tly-v" + i, "master", BRIDGE, "up");
            run("ip", "-n", name, "addr", "add", ip(i) + "/24", "dev", "tly-p" + i);
            run("ip", "-n", name, "link", "set", "tly-p" + i, "up");
            run("ip", "-n", name, "link", "set", "lo", "up");
            nft(i, "add table inet tally");
            nft(i, "add chain inet tally input { type filter hook input priority 0 ; policy accept ; }");
            nft(i, "add chain inet tally output { type filter hook output priority 0 ; policy accept ; }");
        }
        return ns;
    }

    /** Drops all traffic between hosts i and j, both directions, on both hosts. */
    void cut(int i, int j) throws IOException {
        for (int[] p : new int[][] {{i, j}, {j, i}}) {
            nft(p[0], "add rule inet tally input ip saddr " + ip(p[1]) + " drop");
            nft(p[0], "add rule inet tally output ip daddr " + ip(p[1]) + " drop");
        }
    }

    /** Cuts host i off from every other host (the test driver in the root namespace still reaches it). */
    void isolate(int i) throws IOException {
        for (int j = 1; j <= n; j++) {
            if (j != i) {
                cut(i, j);
            }
        }
    }

    /** Removes every partition rule. */
    void heal() throws IOException {
        for (int i = 1; i <= n; i++) {
            nft(i, "flush chain inet tally input");
            nft(i, "flush chain inet tally output");
        }
    }

    List<String> launchPrefix(int i) {
        return List.of("ip", "netns", "exec", namespace(i));
    }

    private void teardown() {
        for (int i = 1; i <= n; i++) {
            runQuietly("ip", "netns", "del", namespace(i));
            runQuietly("ip", "link", "del", "tly-v" + i);
        }
        runQuietly("ip", "link", "del", BRIDGE);
    }

    @Override
    public void close() {
        teardown();
    }

    private static void nft(int host, String command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host), "nft"));
        cmd.addAll(List.of(command.split(" ")));
        run(cmd.toArray(String[]::new));
    }

    static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd));
        }
    }

    private static void runQuietly(String... cmd) {
        try {
            run(cmd);
        } catch (IOException e) {
            // absent already
        }
    }
}
