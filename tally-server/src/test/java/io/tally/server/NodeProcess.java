package io.tally.server;

import io.tally.testkit.harness.Poll;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One node as a separate JVM ({@link ServerMain}), its output in a log file. Optionally started inside a
 * network namespace ({@code ip netns exec}). Kill, pause and resume it with real signals.
 */
final class NodeProcess {

    final String id;
    final String raftHost;
    final int raftPort;
    final String httpHost;
    final int httpPort;
    final Path dataDir;
    final Path logFile;
    private final List<String> launchPrefix;
    private final List<String> extraFlags;
    private Process process;
    private int starts;
    /** The {@code --cluster-id} every start passes (a restored cluster has its own). */
    private String clusterId = "process-test";

    NodeProcess(String id, String raftHost, int raftPort, String httpHost, int httpPort, Path dataDir, Path logDir,
                List<String> launchPrefix, List<String> extraFlags) {
        this.id = id;
        this.raftHost = raftHost;
        this.raftPort = raftPort;
        this.httpHost = httpHost;
        this.httpPort = httpPort;
        this.dataDir = dataDir;
        this.logFile = logDir.resolve(id + ".log");
        this.launchPrefix = launchPrefix;
        this.extraFlags = new ArrayList<>(extraFlags);
    }

    /** The flags every start of this node adds (changeable between starts). */
    List<String> extraFlags() {
        return extraFlags;
    }

    /** Sets the {@code --cluster-id} of the following starts. */
    void clusterId(String name) {
        this.clusterId = name;
    }

    String raftAddress() {
        return raftHost + ":" + raftPort;
    }

    String httpAddress() {
        return httpHost + ":" + httpPort;
    }

    /** Starts the process and waits until it prints READY (or fails with its log). */
    void start(String clusterFlag) throws IOException {
        start(clusterFlag, List.of());
    }

    /** As {@link #start(String)}, with more flags for this start (for example {@code --join}). */
    void start(String clusterFlag, List<String> moreFlags) throws IOException {
        String marker = launch(clusterFlag, moreFlags);
        try {
            Poll.until("node " + id + " prints READY", Duration.ofSeconds(30), () -> !process.isAlive() || ready(marker));
        } catch (AssertionError e) {
            process.destroyForcibly();
        }
        if (!ready(marker)) {
            throw new IllegalStateException("node " + id + " did not start (exit "
                    + (process.isAlive() ? "none" : process.exitValue()) + "); log:\n" + tail(read(logFile)));
        }
    }

    /** An attempt to start that must end by itself: the exit code and what the process wrote, once it exited. */
    record Exit(int code, String output) {
    }

    /** Starts the process with these flags and waits, up to {@code timeout}, for it to exit by itself. */
    Exit startExpectingExit(String clusterFlag, List<String> moreFlags, Duration timeout) throws IOException {
        String marker = launch(clusterFlag, moreFlags);
        try {
            Poll.until("node " + id + " exits", timeout, () -> !process.isAlive());
        } catch (AssertionError e) {
            process.destroyForcibly();
            throw new AssertionError("node " + id + " still runs after " + timeout.toMillis() + " ms (READY: " + ready(marker)
                    + "); log:\n" + tail(read(logFile)), e);
        }
        String log = read(logFile);
        return new Exit(process.exitValue(), log.substring(log.lastIndexOf(marker)));
    }

    /** Launches the JVM, its output appended to the log file after a start marker; returns the marker. */
    private String launch(String clusterFlag, List<String> moreFlags) throws IOException {
        List<String> cmd = new ArrayList<>(launchPrefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), ServerMain.class.getName(),
                "--id", id, "--data-dir", dataDir.toString(), "--raft", raftAddress(), "--http", httpAddress(),
                "--cluster-id", clusterId));
        if (clusterFlag != null) {
            cmd.addAll(List.of("--cluster", clusterFlag));
        }
        cmd.addAll(extraFlags);
        cmd.addAll(moreFlags);
        Files.createDirectories(logFile.getParent());
        Files.writeString(logFile, "---- start " + (++starts) + ": " + String.join(" ", cmd) + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        return "---- start " + starts + ":";
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no flush; only what was fsynced survives. */
    void kill() throws InterruptedException {
        if (alive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** SIGTERM, and wait for the clean shutdown. */
    void stop() throws InterruptedException {
        if (alive()) {
            process.destroy();
            process.waitFor();
        }
    }

    /**
     * SIGTERM, and wait up to {@code within} for the process to exit by itself; returns its exit code. Fails (and
     * kills it) if it is still running then.
     */
    int stop(Duration within) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new AssertionError("node " + id + " still ran " + within.toMillis() + " ms after SIGTERM; log:\n"
                    + tail(read(logFile)));
        }
        return process.exitValue();
    }

    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** Resumes, ignoring failure (cleanup of a possibly paused process). */
    void resume0() {
        try {
            signal("CONT");
        } catch (IOException | InterruptedException e) {
            // best effort: the process is killed next
        }
    }

    private void signal(String sig) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("kill -" + sig + " " + process.pid() + " failed");
        }
    }

    String log() throws IOException {
        return Files.readString(logFile, StandardCharsets.UTF_8);
    }

    static String tail(String log) {
        String[] lines = log.split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, lines.length - 40); i < lines.length; i++) {
            b.append(lines[i]).append('\n');
        }
        return b.toString();
    }

    private boolean ready(String marker) {
        String log = read(logFile);
        return log.indexOf("READY node " + id, log.lastIndexOf(marker)) >= 0;
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
