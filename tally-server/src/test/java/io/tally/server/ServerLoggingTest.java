package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node process's logs: {@code --log-format text|json}, {@code --log-level}, {@code --log-file}. */
class ServerLoggingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** ISO-8601 with milliseconds and a zone: Z or an offset. */
    private static final Pattern TEXT_LINE = Pattern.compile(
            "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) (TRACE|DEBUG|INFO |WARN |ERROR) \\[.*");

    @TempDir
    Path dir;

    /** A one-node cluster process: it elects itself, logs, and is stopped with SIGTERM once {@code until} holds. */
    private record Run(int exit, String stdout, String stderr) {
    }

    private Run runNode(List<String> flags, java.util.function.Predicate<Run> until) throws Exception {
        int raft = ProcessCluster.freePort();
        int http = ProcessCluster.freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ServerMain.class.getName(), "--id", "n1", "--data-dir", dir.resolve("data").toString(),
                "--raft", "127.0.0.1:" + raft, "--http", "127.0.0.1:" + http,
                "--cluster", "n1=127.0.0.1:" + raft + "/127.0.0.1:" + http));
        cmd.addAll(flags);
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            Poll.until("the node process: " + cmd, Duration.ofSeconds(60), () -> !p.isAlive() || until.test(read(-1, out, err)));
            p.destroy(); // SIGTERM
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("no exit within 60 s of SIGTERM");
            }
            return read(p.exitValue(), out, err);
        } finally {
            p.destroyForcibly();
        }
    }

    private static Run read(int exit, Path out, Path err) {
        return new Run(exit, NodeProcess.read(out), NodeProcess.read(err));
    }

    @Test
    void textLinesGoToStandardErrorWithIsoTimesAndZones() throws Exception {
        Run r = runNode(List.of(), run -> run.stderr().contains("this node leads"));
        assertTrue(r.stdout().startsWith("READY node n1"), r.stdout());
        List<String> lines = r.stderr().lines().filter(l -> !l.isBlank() && !l.startsWith("\t")).toList();
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            assertTrue(TEXT_LINE.matcher(line).matches(), "not a timestamped log line: " + line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("recovered term") && l.contains("log up to index")), r.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.contains("term ") && l.contains("this node leads")), r.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.contains("configuration {n1} in force from index 1")), r.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.contains("stopped in")), "the graceful stop is logged:\n" + r.stderr());
    }

    @Test
    void jsonLinesToALogFileCarryIsoTimesTermAndIndex() throws Exception {
        Path log = dir.resolve("logs").resolve("tally.log"); // the directory is created
        Run r = runNode(List.of("--log-format", "json", "--log-file", log.toString()),
                run -> Files.exists(log) && NodeProcess.read(log).contains("this node leads"));
        assertEquals("", r.stderr().strip(), "nothing on standard error when logging to a file");
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        JsonNode leads = null;
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            OffsetDateTime.parse(n.get("@timestamp").asText()); // ISO-8601 with an offset, or it throws
            assertTrue(n.hasNonNull("level") && n.hasNonNull("logger_name") && n.hasNonNull("message"), line);
            if (n.get("message").asText().contains("this node leads")) {
                leads = n;
            }
        }
        assertTrue(leads != null, String.join("\n", lines));
        assertTrue(leads.get("term").asLong() >= 1, leads.toString());
        assertTrue(leads.has("index"), leads.toString());
        assertEquals("n1", leads.get("node").asText());
    }

    @Test
    void logLevelWarnLeavesOutInfoLines() throws Exception {
        Run r = runNode(List.of("--log-level", "WARN"), run -> run.stdout().contains("READY"));
        assertFalse(r.stderr().contains(" INFO "), r.stderr());
    }

    @Test
    void badLogFlagsExitTwoWithTheReason() throws Exception {
        Files.createDirectories(dir.resolve("a-directory"));
        for (List<String> flags : List.of(List.of("--log-format", "xml"), List.of("--log-level", "loud"),
                List.of("--log-file", dir.resolve("a-directory").toString()))) {
            Run r = runNode(flags, run -> false);
            assertEquals(2, r.exit(), flags + ": " + r.stderr());
            assertTrue(r.stderr().contains("--log-"), flags + ": " + r.stderr());
        }
    }
}
