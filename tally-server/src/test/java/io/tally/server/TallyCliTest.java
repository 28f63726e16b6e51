package io.tally.server;

import io.tally.testkit.harness.Poll;
import io.tally.server.cli.Tally;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The product as a user meets it: {@code tally dev} in a child JVM (the launcher script's main class, in a
 * fresh working directory), the examples it prints, the client commands and their exit codes, a clean
 * shutdown on SIGTERM (what Ctrl-C's SIGINT also triggers), and the data still there after a restart.
 * Uses the fixed dev ports 7001-7003 and 8001-8003.
 */
class TallyCliTest {

    private record Run(int exit, String out, String err) {
    }

    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Tally.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Run tally(Path cwd, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(cwd, "out", ".txt");
        Path err = Files.createTempFile(cwd, "err", ".txt");
        Process p = new ProcessBuilder(java(args)).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tally " + String.join(" ", args) + " did not finish");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Process dev(Path cwd, Path log) throws IOException {
        Process p = new ProcessBuilder(java("dev")).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            Poll.until("tally dev prints its banner", Duration.ofSeconds(60),
                    () -> !p.isAlive() || NodeProcess.read(log).contains("Ctrl-C stops the cluster"));
        } catch (AssertionError e) {
            p.destroyForcibly();
            throw new AssertionError("tally dev did not come up:\n" + Files.readString(log), e);
        }
        if (!p.isAlive()) {
            throw new AssertionError("tally dev exited:\n" + Files.readString(log));
        }
        return p;
    }

    @Test
    void devClusterExamplesClientCommandsShutdownAndRestart(@TempDir Path cwd) throws Exception {
        Path log = cwd.resolve("dev.log");
        Process dev = dev(cwd, log);
        try {
            String banner = Files.readString(log);
            for (int port : new int[] {8001, 8002, 8003}) {
                assertTrue(banner.contains("http://127.0.0.1:" + port), banner);
            }
            // The printed curl examples, as HTTP requests.
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8001/v1/kv/hello"))
                    .PUT(HttpRequest.BodyPublishers.ofString("world")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode(), put.body());
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8002/v1/kv/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("world", get.body());
            // The printed CLI example and the other client commands, with their exit codes.
            Run r = tally(cwd, "get", "hello");
            assertEquals(0, r.exit(), r.err());
            assertEquals("world\n", r.out());
            assertEquals(0, tally(cwd, "put", "fruit/apple", "red").exit());
            assertEquals(0, tally(cwd, "put", "fruit/kiwi", "green", "--endpoints", "127.0.0.1:8003").exit());
            Run scan = tally(cwd, "scan", "fruit/");
            assertEquals("fruit/apple\tred\nfruit/kiwi\tgreen\n", scan.out());
            assertEquals(1, tally(cwd, "get", "absent").exit());
            assertEquals(0, tally(cwd, "delete", "fruit/kiwi").exit());
            assertEquals(1, tally(cwd, "delete", "fruit/kiwi").exit());
            assertEquals(1, tally(cwd, "put", "fruit/apple", "blue", "--cas", "0").exit(), "cas failed");
            Run status = tally(cwd, "status");
            assertEquals(0, status.exit());
            assertTrue(status.out().contains("members: n1, n2, n3"), status.out());
            Run statusJson = tally(cwd, "status", "-o", "json");
            assertEquals(0, statusJson.exit(), statusJson.err());
            assertTrue(statusJson.out().contains("\"members\""), statusJson.out());
            assertEquals(2, tally(cwd, "put", "only-a-key").exit());
            assertEquals(2, tally(cwd, "get", "k", "--bogus", "x").exit());
            assertEquals(2, tally(cwd, "frobnicate").exit());
            assertEquals(3, tally(cwd, "get", "hello", "--endpoints", "127.0.0.1:1", "--timeout", "1s").exit());
        } finally {
            dev.destroy(); // SIGTERM: the same clean shutdown as Ctrl-C
            assertTrue(dev.waitFor(30, TimeUnit.SECONDS), "dev stopped");
        }
        assertTrue(Files.readString(log).contains("stopped; data kept"), Files.readString(log));
        Process again = dev(cwd, log);
        try {
            Run r = tally(cwd, "get", "hello");
            assertEquals("world\n", r.out(), r.err());
            assertEquals("red\n", tally(cwd, "get", "fruit/apple").out());
        } finally {
            again.destroy();
            assertTrue(again.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.isDirectory(cwd.resolve("data/dev/n1/log")), "data under ./data/dev");
        assertTrue(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).indexOf("Tally dev cluster") >= 0);
    }
}
