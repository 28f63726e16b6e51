package io.tally.bench;

import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.server.ServerMain;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting node processes ({@link ServerMain}) from a benchmark: classpath, ports, command lines. */
final class BenchProcesses {

    private BenchProcesses() {
    }

    /** {@code java -Xmx4g -cp CLASSPATH ServerMain FLAGS}, output to {@code log}. */
    static Process startNode(Path log, List<String> flags) throws IOException {
        return startNode(log, List.of(), flags);
    }

    /** As {@link #startNode(Path, List)}, with extra JVM options. */
    static Process startNode(Path log, List<String> jvmOptions, List<String> flags) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx4g"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classpath(), ServerMain.class.getName()));
        cmd.addAll(flags);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The classpath to start node processes with: this benchmark's own (also under {@code mvn exec:java}). */
    static String classpath() {
        if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader u) {
            List<String> parts = new ArrayList<>();
            for (URL url : u.getURLs()) {
                parts.add(url.getPath());
            }
            return String.join(File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }

    /** Waits up to a minute until {@code node} leads and has committed its first entries; logs are in {@code dir}. */
    static void awaitLeadership(RaftNode<?> node, Path dir) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (node.state() != RaftState.LEADER || node.commitIndex() < 2) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(node.id() + " did not become leader; logs in " + dir);
            }
            Thread.sleep(10);
        }
    }

    /** The {@code --cluster} value of nodes n1..n{@code count} on loopback: {@code nI=127.0.0.1:RAFT/127.0.0.1:HTTP,...}. */
    static String clusterFlag(int[] raftPorts, int[] httpPorts, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:").append(raftPorts[i])
                    .append("/127.0.0.1:").append(httpPorts[i]);
        }
        return b.toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
