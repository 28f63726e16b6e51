package io.tally.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident set size: {@code VmRSS} in {@code /proc/PID/status}. */
final class Rss {

    private Rss() {
    }

    /** KiB, or -1 when the process is gone or {@code /proc} cannot be read. */
    static long ofPid(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
