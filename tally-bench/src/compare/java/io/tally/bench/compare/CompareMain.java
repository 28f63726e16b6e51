package io.tally.bench.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./tally bench compare}: the orchestrator. Prints the plan, probes the machine (loopback round trip,
 * fdatasync rate), runs the product comparison (etcd against Tally's server) and the library comparison (Tally's
 * RaftNode, SOFAJRaft, Ratis), and writes each part's section into the report file as soon as it is done.
 */
public final class CompareMain {

    /** gRPC (under jetcd) logs through java.util.logging; held here so that the level set in main sticks. */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

    private final CompareOptions options;
    private final Path root;
    private final PrintStream out = System.out;
    private final List<SystemUnderTest> open = new ArrayList<>();

    private CompareMain(CompareOptions options, Path root) {
        this.options = options;
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.print(CompareOptions.USAGE);
            return;
        }
        Path root = Path.of(System.getProperty("tally.root", ".")).toAbsolutePath().normalize();
        CompareOptions options;
        try {
            options = CompareOptions.parse(args, root);
        } catch (IllegalArgumentException e) {
            System.err.println("tally bench compare: " + e.getMessage());
            System.err.println("./tally bench compare --help shows the options");
            System.exit(2);
            return;
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // jetcd's Netty warns that the NIO transport ignores an epoll-only option, once per connection.
        System.setProperty("org.slf4j.simpleLogger.log.io.netty.bootstrap", "error");
        GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
        System.exit(new CompareMain(options, root).run());
    }

    private int run() throws Exception {
        List<ComparePlan.Part> parts = new ArrayList<>();
        if (options.runs("product")) {
            parts.add(new ComparePlan.Part("product", List.of("etcd, HTTP gateway", "etcd, gRPC (jetcd "
                    + PeerVersions.get("jetcd") + ")", "Tally, HTTP API"), Workload.PRODUCT));
        }
        if (options.runs("library")) {
            parts.add(new ComparePlan.Part("library", List.of("Tally RaftNode", "SOFAJRaft " + PeerVersions.get("jraft"),
                    "Apache Ratis " + PeerVersions.get("ratis")), Workload.LIBRARY));
        }
        ComparePlan.print(options, parts, out);
        Path work = options.workDir() != null ? Files.createDirectories(options.workDir())
                : Files.createTempDirectory("tally-compare");
        out.println("data directories and logs: " + work);
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeAll, "compare-shutdown"));
        CompareSettings settings = new CompareSettings(work, options.jvmOptions(), options.keys(), 256, 128);
        boolean failures = false;

        MachineInfo machine = MachineInfo.probe(work, root);
        out.println("probing the loopback round trip and the disk's fdatasync rate...");
        LoopbackRtt.Result rtt = LoopbackRtt.measure(options.jvmOptions(), work.resolve("echo.log"),
                options.quick() ? java.time.Duration.ofSeconds(1) : java.time.Duration.ofSeconds(2),
                options.quick() ? java.time.Duration.ofSeconds(2) : java.time.Duration.ofSeconds(5));
        FsyncProbe.Result fsync = FsyncProbe.measure(work, options.quick() ? java.time.Duration.ofSeconds(2)
                : java.time.Duration.ofSeconds(5));
        out.printf("loopback round trip p50 %.1f µs, p99 %.1f µs; fdatasync 4 KiB %,.0f/s appending, %,.0f/s in place%n",
                rtt.p50Us(), rtt.p99Us(), fsync.appendingPerSecond(), fsync.inPlacePerSecond());

        Comparison comparison = new Comparison(options, out);
        for (ComparePlan.Part part : parts) {
            Map<String, String> versions = new LinkedHashMap<>();
            versions.put("Tally", machine.tallyCommit());
            PartResult result;
            if (part.name().equals("product")) {
                try (HttpLoadGenerator load = new HttpLoadGenerator(2)) {
                    EtcdCluster etcd = new EtcdCluster(settings);
                    List<SystemUnderTest> systems = List.of(HttpSystem.etcdGateway(etcd, load, settings),
                            new EtcdGrpcSystem(etcd, settings), HttpSystem.tally(settings, load));
                    open.addAll(systems);
                    result = comparison.run(part, systems);
                    versions.put("etcd", etcd.version() == null ? "not installed" : etcd.version());
                    versions.put("jetcd", PeerVersions.get("jetcd"));
                    closeAll();
                }
            } else {
                List<SystemUnderTest> systems = List.of(
                        new LibrarySystem(part.systems().get(0), TallyRaftNodeMain.class.getName(), settings),
                        new LibrarySystem(part.systems().get(1), JraftNodeMain.class.getName(), settings),
                        new LibrarySystem(part.systems().get(2), RatisNodeMain.class.getName(), settings));
                open.addAll(systems);
                result = comparison.run(part, systems);
                versions.put("SOFAJRaft", PeerVersions.get("jraft"));
                versions.put("Apache Ratis", PeerVersions.get("ratis"));
                closeAll();
            }
            failures |= !result.failures.isEmpty();
            String title = part.name().equals("product") ? "Product: Tally's HTTP API against etcd"
                    : "Library: Tally's RaftNode against SOFAJRaft and Apache Ratis";
            ReportFile.replaceSection(options.out(), part.name(), Report.section(title,
                    new Report.Context(machine, versions, rtt, fsync, options), result));
            out.println("[" + part.name() + "] written to " + options.out());
        }
        if (options.keep() || failures) {
            out.println("data directories and logs kept in " + work + (failures ? " (something failed: see the logs)" : ""));
        } else {
            deleteTree(work);
        }
        return failures ? 1 : 0;
    }

    private synchronized void closeAll() {
        for (SystemUnderTest s : open) {
            try {
                s.close();
            } catch (RuntimeException e) {
                out.println("while stopping " + s.name() + ": " + e);
            }
        }
        open.clear();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
