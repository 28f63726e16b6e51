package io.tally.bench.compare;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A node process of a compared system (a JVM or an etcd member). Its output goes to a log file; lines it prints
 * starting with {@value #CONTROL} are its answers on the control channel (stdin/stdout), the rest is logged.
 * Also reads the process's resident set size from {@code /proc}.
 */
final class NodeProcess implements AutoCloseable {

    /** Prefix of a control answer on a node's stdout. */
    static final String CONTROL = "@@";

    private final String name;
    private final Process process;
    private final Path log;
    private final PrintWriter stdin;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    private NodeProcess(String name, Process process, Path log) throws IOException {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Thread reader = new Thread(() -> pump(out), "out-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command}; stdout and stderr both go through the pump into {@code log}. */
    static NodeProcess start(String name, List<String> command, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new NodeProcess(name, p, log);
    }

    /** {@code java JVM_OPTIONS -cp THIS_CLASSPATH MAIN ARGS}: every JVM node starts with the same options. */
    static List<String> java(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    private void pump(Writer out) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(CONTROL)) {
                    answers.add(line.substring(CONTROL.length()).trim());
                }
                out.write(line);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Sends a control command and waits for the answer. */
    String ask(String command, Duration timeout) throws InterruptedException {
        answers.clear();
        stdin.println(command);
        String a = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (a == null) {
            throw new IllegalStateException(name + " did not answer '" + command + "' within " + timeout.toSeconds()
                    + " s" + (alive() ? "" : " (it exited)") + "; its log: " + log);
        }
        return a;
    }

    /** Waits for an unprompted control line (such as READY). */
    String awaitAnswer(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String a = answers.poll(100, TimeUnit.MILLISECONDS);
            if (a != null) {
                return a;
            }
            if (!alive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; its log: " + log);
            }
        }
        throw new IllegalStateException(name + " did not get ready within " + timeout.toSeconds() + " s; its log: " + log);
    }

    /** VmRSS from /proc/PID/status in KiB, or -1 when it cannot be read. */
    long rssKib() {
        return Rss.ofPid(pid());
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
