package io.tally.server;

import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node process refuses bad flags and unusable data directories with a message and exit code 2. */
class ServerMainExitTest {

    private record Result(int exit, String output) {
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ServerMain.class.getName()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("tally-exit-test", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the node did not exit within 60 s; output:\n" + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void helpExitsZeroAndDocumentsEveryFlag() throws Exception {
        Result r = run("--help");
        assertEquals(0, r.exit());
        for (String flag : List.of("--id", "--data-dir", "--raft", "--http", "--cluster", "--cluster-id", "--storage",
                "--election-timeout-ms", "--snapshot-entries", "--max-value-bytes", "--config")) {
            assertTrue(r.output().contains(flag), flag);
        }
    }

    @Test
    void badFlagsExitTwoWithTheReason() throws Exception {
        Result r = run("--id", "n1", "--data-dir", "d", "--raft", "nohost", "--http", "127.0.0.1:1");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("not HOST:PORT"), r.output());
    }

    @Test
    void aClusterWithoutHttpAddressesExitsTwoWithTheReason() throws Exception {
        Result r = run("--id", "n1", "--data-dir", "d", "--raft", "127.0.0.1:7001", "--http", "127.0.0.1:8001",
                "--cluster", "n1=127.0.0.1:7001,n2=127.0.0.1:7002");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("'n1=127.0.0.1:7001' has no HTTP address") && r.output().contains("ID=RAFT_HOST:PORT/HTTP_HOST:PORT"),
                r.output());
    }

    @Test
    void aDataDirectoryThatIsAFileOrInUseExitsTwo(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        Result r = run("--id", "n1", "--data-dir", file.toString(), "--raft", "127.0.0.1:" + ProcessCluster.freePort(),
                "--http", "127.0.0.1:" + ProcessCluster.freePort());
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains(file.toString()), r.output());

        Path dir = tmp.resolve("data");
        try (TallyNode holder = new TallyNode(ServerOptions.parse(new String[] {"--id", "n1", "--data-dir", dir.toString(),
                "--raft", "127.0.0.1:" + ProcessCluster.freePort(), "--http", "127.0.0.1:" + ProcessCluster.freePort()}))) {
            Result locked = run("--id", "n1", "--data-dir", dir.toString(), "--raft", "127.0.0.1:" + ProcessCluster.freePort(),
                    "--http", "127.0.0.1:" + ProcessCluster.freePort());
            assertEquals(2, locked.exit(), locked.output());
            assertTrue(locked.output().contains("in use"), locked.output());
        }
    }

    @Test
    void aCorruptedLogExitsTwo(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("data");
        String raft = "127.0.0.1:" + ProcessCluster.freePort();
        String http = "127.0.0.1:" + ProcessCluster.freePort();
        try (TallyNode node = new TallyNode(ServerOptions.parse(new String[] {"--id", "n1", "--data-dir", dir.toString(),
                "--raft", raft, "--http", http, "--cluster", "n1=" + raft + "/" + http}))) {
            Poll.until("the single node commits its first entries", java.time.Duration.ofSeconds(20),
                    () -> node.raft().commitIndex() >= 2);
        }
        try (var segments = Files.list(dir.resolve("log"))) {
            for (Path seg : segments.filter(p -> p.getFileName().toString().endsWith(".seg")).toList()) {
                byte[] b = Files.readAllBytes(seg);
                for (int i = 0; i < Math.min(b.length, 64); i++) {
                    b[i] = (byte) 0xA5; // trash the header and the first record
                }
                Files.write(seg, b);
            }
        }
        Result r = run("--id", "n1", "--data-dir", dir.toString(), "--raft", raft,
                "--http", "127.0.0.1:" + ProcessCluster.freePort());
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("cannot open the log") || r.output().contains("cannot recover"), r.output());
    }
}
