package io.tally.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the {@code etcd} binary, installing Debian's {@code etcd-server} package with apt-get when it is missing.
 * Fails with a message that says what to do when it cannot.
 */
final class EtcdInstaller {

    static final Path DEBIAN_BINARY = Path.of("/usr/bin/etcd");

    private EtcdInstaller() {
    }

    /** The path of an etcd binary; installs one first when none is found. */
    static Path ensureInstalled() throws IOException, InterruptedException {
        Path found = find();
        if (found != null) {
            return found;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            throw new IllegalStateException("etcd is not installed and this machine has no apt-get: install etcd 3.4 "
                    + "(e.g. Debian's etcd-server package) and put it on the PATH");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> sudo = root ? List.of() : List.of("sudo", "-n");
        System.out.println("etcd is not installed: installing Debian's etcd-server with apt-get...");
        if (run(concat(sudo, List.of("apt-get", "install", "-y", "-q", "etcd-server"))) != 0) {
            // The package lists may be missing or stale: update them once and try again.
            run(concat(sudo, List.of("apt-get", "update", "-q")));
            if (run(concat(sudo, List.of("apt-get", "install", "-y", "-q", "etcd-server"))) != 0) {
                throw new IllegalStateException("could not install etcd: 'apt-get install etcd-server' failed (output "
                        + "above)" + (root ? "" : "; run it as root, or install etcd 3.4 yourself"));
            }
        }
        found = find();
        if (found == null) {
            throw new IllegalStateException("apt-get installed etcd-server, but no etcd binary is on the PATH or in /usr/bin");
        }
        return found;
    }

    /** {@code etcd --version}'s first two lines, joined: e.g. {@code "3.4.23 (Go go1.19.8)"}. */
    static String version(Path etcd) {
        try {
            Process p = new ProcessBuilder(etcd.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            String version = "?";
            String go = "";
            for (String line : out.split("\n")) {
                if (line.startsWith("etcd Version:")) {
                    version = line.substring("etcd Version:".length()).trim();
                } else if (line.startsWith("Go Version:")) {
                    go = " (" + line.substring("Go Version:".length()).trim() + ")";
                }
            }
            return version + go;
        } catch (IOException | InterruptedException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcd"))) {
                return Path.of(dir, "etcd");
            }
        }
        return Files.isExecutable(DEBIAN_BINARY) ? DEBIAN_BINARY : null;
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        return pb.start().waitFor();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
