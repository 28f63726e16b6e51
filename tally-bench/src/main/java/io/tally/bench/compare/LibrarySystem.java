package io.tally.bench.compare;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Raft library under comparison: three JVMs of its node class ({@link TallyRaftNodeMain}, the SOFAJRaft and Ratis
 * mains), all with the same JVM options, on loopback, each with a data directory of its own. The load runs in the
 * leader's process ({@link ApplyLoad}), asked for over the {@link NodeControl} channel.
 */
final class LibrarySystem implements SystemUnderTest {

    private static final int NODES = 3;

    private final String name;
    private final String mainClass;
    private final CompareSettings settings;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private String description = "";
    private int leader = -1;

    LibrarySystem(String name, String mainClass, CompareSettings settings) {
        this.name = name;
        this.mainClass = mainClass;
        this.settings = settings;
    }

    @Override
    public String name() {
        return name;
    }

    /** What the node says it runs: the library and its version. */
    String description() {
        return description;
    }

    @Override
    public void start() throws Exception {
        if (!nodes.isEmpty()) {
            return;
        }
        int[] ports = Ports.free(NODES);
        Path dir = settings.workDir().resolve(name.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(java.util.Locale.ROOT));
        for (int i = 0; i < NODES; i++) {
            List<String> args = NodeArgs.format(i, ports, dir.resolve(NodeArgs.id(i)));
            nodes.add(NodeProcess.start(name + "-" + NodeArgs.id(i), NodeProcess.java(settings.jvmOptions(), mainClass, args),
                    dir.resolve(NodeArgs.id(i) + ".log")));
        }
        for (NodeProcess n : nodes) {
            String ready = n.awaitAnswer(Duration.ofSeconds(90));
            if (!ready.equals("READY")) {
                throw new IllegalStateException(n.name() + " said '" + ready + "' instead of READY; its log: " + n.log());
            }
        }
        description = nodes.get(0).ask("DESCRIBE", Duration.ofSeconds(10));
        leader(Duration.ofSeconds(60));
    }

    /** Waits until one node says it leads. */
    private NodeProcess leader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (NodeProcess n : nodes) {
                if (n.alive() && n.ask("ROLE", Duration.ofSeconds(10)).equals("leader")) {
                    return n;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " elected no leader within " + timeout.toSeconds() + " s; logs in "
                + settings.workDir());
    }

    @Override
    public Measurement measure(Workload workload, Duration warmup, Duration period) throws Exception {
        NodeProcess leading = leader(Duration.ofSeconds(30));
        leader = nodes.indexOf(leading);
        Duration timeout = warmup.plus(period).plusSeconds(60);
        String answer = leading.ask("RUN " + workload.concurrency() + " " + settings.commandBytes() + " " + settings.keys()
                + " " + warmup.toMillis() + " " + period.toMillis(), timeout);
        if (answer.startsWith("ERROR")) {
            throw new IllegalStateException(leading.name() + ": " + answer);
        }
        return Measurement.parse(answer);
    }

    @Override
    public int leader() {
        return leader;
    }

    @Override
    public List<Long> rssKib() {
        return nodes.stream().map(NodeProcess::rssKib).toList();
    }

    @Override
    public void close() {
        for (NodeProcess n : nodes) {
            try {
                if (n.alive()) {
                    n.ask("QUIT", Duration.ofMillis(1)); // no answer expected: the node closes and exits
                }
            } catch (IllegalStateException | InterruptedException expected) {
                // it is on its way out
            }
        }
        nodes.forEach(NodeProcess::close);
        nodes.clear();
    }
}
