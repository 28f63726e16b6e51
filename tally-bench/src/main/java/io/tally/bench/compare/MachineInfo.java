package io.tally.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the report says about the machine and the build: processor, memory, system, Java, disk, Tally's commit. */
record MachineInfo(String cpu, int cores, String memory, String os, String kernel, String java, String disk,
                   String tallyCommit) {

    static MachineInfo probe(Path workDir, Path root) {
        String cpu = firstValue(Path.of("/proc/cpuinfo"), "model name", "unknown processor");
        String memKb = firstValue(Path.of("/proc/meminfo"), "MemTotal", "? kB").replace("kB", "").trim();
        String memory;
        try {
            memory = String.format("%.0f GiB", Long.parseLong(memKb) / 1024.0 / 1024.0);
        } catch (NumberFormatException e) {
            memory = "unknown";
        }
        String os = read(Path.of("/etc/os-release")).lines().filter(l -> l.startsWith("PRETTY_NAME="))
                .map(l -> l.substring(12).replace("\"", "")).findFirst().orElse(System.getProperty("os.name"));
        String kernel = read(Path.of("/proc/sys/kernel/osrelease")).trim();
        String java = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        String disk;
        try {
            var store = Files.getFileStore(workDir);
            disk = store.type() + " on " + store.name() + " (" + workDir + ")";
        } catch (IOException e) {
            disk = workDir.toString();
        }
        return new MachineInfo(cpu, Runtime.getRuntime().availableProcessors(), memory, os, kernel, java, disk,
                gitCommit(root));
    }

    private static String gitCommit(Path root) {
        try {
            Process p = new ProcessBuilder("git", "-C", root.toString(), "describe", "--always", "--dirty")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    private static String firstValue(Path file, String key, String dflt) {
        return read(file).lines().filter(l -> l.startsWith(key)).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse(dflt);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
