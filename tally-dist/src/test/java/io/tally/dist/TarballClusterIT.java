package io.tally.dist;

import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release tarball on its own: unpacked into an empty directory, with nothing from the build on the classpath,
 * {@code bin/tally} refuses a Java older than 17 with a message, and runs a 3-node cluster that the CLI from the same
 * tarball writes to and reads from; SIGTERM stops every node.
 */
class TarballClusterIT {

    private Path work;
    private Path home;
    private final List<Process> nodes = new ArrayList<>();

    @BeforeEach
    void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("tally.dist.tarball"));
        assertTrue(Files.isRegularFile(tarball), "mvn package builds " + tarball);
        work = Files.createTempDirectory("tally-dist-it");
        Path unpacked = Files.createDirectories(work.resolve("opt"));
        Result tar = run(List.of("tar", "xzf", tarball.toString(), "-C", unpacked.toString()), Map.of(), Duration.ofSeconds(60));
        assertEquals(0, tar.exit(), tar.output());
        home = unpacked.resolve("tally-" + System.getProperty("tally.dist.version"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : nodes) {
            p.destroyForcibly().waitFor();
        }
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void theTarballHoldsTheLauncherTheLibrariesAConfigAndASystemdUnit() throws Exception {
        Path bin = home.resolve("bin/tally");
        assertTrue(Files.getPosixFilePermissions(bin).contains(PosixFilePermission.OWNER_EXECUTE), "bin/tally is executable");
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            List<String> names = jars.map(p -> p.getFileName().toString()).toList();
            for (String prefix : List.of("tally-server-", "tally-raft-", "tally-kv-", "netty-codec-http-", "logback-classic-")) {
                assertTrue(names.stream().anyMatch(n -> n.startsWith(prefix) && n.endsWith(".jar")), prefix + " in " + names);
            }
            assertTrue(names.stream().noneMatch(n -> n.startsWith("slf4j-simple") || n.startsWith("junit")), names.toString());
        }
        for (String file : List.of("conf/tally.conf", "systemd/tally.service", "LICENSE", "README.md", "docs/operations.md")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        assertTrue(Files.readString(home.resolve("LICENSE")).contains("Apache License"));
        assertTrue(Files.readString(home.resolve("systemd/tally.service")).contains("ExecStart=/opt/tally/bin/tally server"));
    }

    @Test
    void binTallyRefusesAJavaOlderThan17AndSaysSo() throws Exception {
        // A stand-in java that reports itself as Java 11.
        Path fakeHome = Files.createDirectories(work.resolve("old-jdk/bin"));
        Path fakeJava = fakeHome.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\necho '    java.specification.version = 11' >&2\necho 'openjdk version \"11.0.2\"' >&2\n");
        fakeJava.toFile().setExecutable(true);
        Result r = run(List.of(home.resolve("bin/tally").toString(), "--help"),
                Map.of("JAVA_HOME", fakeHome.getParent().toString()), Duration.ofSeconds(30));
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("version 11") && r.output().contains("needs Java 17 or newer"), r.output());
    }

    @Test
    void threeNodesRunFromTheUnpackedTarball() throws Exception {
        Path bin = home.resolve("bin/tally");
        Result help = run(List.of(bin.toString(), "--help"), Map.of(), Duration.ofSeconds(60));
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("server"), help.output());

        int[] raft = {freePort(), freePort(), freePort()};
        int[] http = {freePort(), freePort(), freePort()};
        String cluster = Stream.of(0, 1, 2).map(i -> "n" + (i + 1) + "=127.0.0.1:" + raft[i] + "/127.0.0.1:" + http[i])
                .collect(Collectors.joining(","));
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path log = work.resolve("n" + (i + 1) + ".out");
            logs.add(log);
            // The node's settings from a file, as the systemd unit runs it; the log goes to a file of its own.
            Path conf = work.resolve("n" + (i + 1) + ".conf");
            Files.writeString(conf, "id = n" + (i + 1) + "\ndata-dir = " + work.resolve("data/n" + (i + 1)) + "\nraft = 127.0.0.1:"
                    + raft[i] + "\nhttp = 127.0.0.1:" + http[i] + "\ncluster = " + cluster + "\nlog-format = json\nlog-file = "
                    + work.resolve("log/n" + (i + 1) + ".log") + "\n");
            ProcessBuilder pb = new ProcessBuilder(bin.toString(), "server", "--config", conf.toString())
                    .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("TALLY_HEAP", "128m");
            pb.environment().remove("CLASSPATH");
            nodes.add(pb.start());
        }
        for (int i = 0; i < 3; i++) {
            Path log = logs.get(i);
            Process p = nodes.get(i);
            Poll.until("node n" + (i + 1) + " prints READY", Duration.ofSeconds(90),
                    () -> !p.isAlive() || read(log).contains("READY node"));
            assertTrue(read(log).contains("READY node n" + (i + 1)), read(log));
        }
        String endpoints = Stream.of(0, 1, 2).map(i -> "127.0.0.1:" + http[i]).collect(Collectors.joining(","));
        Result put = run(List.of(bin.toString(), "put", "greeting", "hello from the tarball", "--endpoints", endpoints,
                "--timeout", "30s"), Map.of(), Duration.ofSeconds(90));
        assertEquals(0, put.exit(), put.output());
        for (int i = 0; i < 3; i++) {
            Result get = run(List.of(bin.toString(), "get", "greeting", "--endpoints", "127.0.0.1:" + http[i], "--timeout", "30s"),
                    Map.of(), Duration.ofSeconds(90));
            assertEquals(0, get.exit(), get.output());
            // Exactly the value: no log lines, no logging-library status on a client command.
            assertEquals("hello from the tarball", get.output().strip(), get.output());
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(read(work.resolve("log/n" + (i + 1) + ".log")).contains("\"@timestamp\""), "JSON log of n" + (i + 1));
        }
        for (int i = 0; i < 3; i++) {
            Process p = nodes.get(i);
            p.destroy(); // SIGTERM: the graceful stop
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "n" + (i + 1) + " stops after SIGTERM; " + read(logs.get(i)));
        }
    }

    private record Result(int exit, String output) {
    }

    private Result run(List<String> cmd, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "cmd", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().remove("CLASSPATH");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(cmd + " did not finish within " + timeout + ": " + read(out));
        }
        return new Result(p.exitValue(), read(out));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
