package io.tally.storage.log;

import io.tally.raft.model.Entry;
import io.tally.storage.fs.NioFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SIGKILLs a child JVM that appends and syncs as fast as it can, then checks that every entry it acknowledged
 * (printed after sync returned) is in the log, intact, and that the log is still usable. Twice: the second
 * round resumes the same log.
 */
class SegmentedLogKillTest {

    private static final long SEGMENT_SIZE = 64 << 10;
    private static final int MIN_ACKED = 2_000;
    private static final String EOF = "<eof>";

    @TempDir
    Path tmp;

    @Test
    void acknowledgedEntriesSurviveSigkill() throws Exception {
        Path dir = tmp.resolve("log");
        long seed = LogTestSupport.seed();
        System.out.println("SegmentedLogKillTest seed=" + seed);
        long acked = 0;
        for (int round = 0; round < 2; round++) {
            acked = killChild(dir, acked, seed + round, tmp.resolve("child-" + round + ".err"));
            try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, new SegmentedLogOptions(SEGMENT_SIZE))) {
                assertEquals(1, log.firstIndex());
                assertTrue(log.lastIndex() >= acked, "acknowledged up to " + acked + " but the log ends at " + log.lastIndex());
                for (long from = 1; from <= log.lastIndex(); from += 1000) {
                    long to = Math.min(log.lastIndex() + 1, from + 1000);
                    List<Entry> got = log.read(from, to);
                    for (Entry e : got) {
                        assertEquals(LogAppenderProcess.expected(e.index()), e, "entry " + e.index());
                    }
                }
                System.out.println("round " + round + ": acknowledged " + acked + ", recovered " + log.lastIndex()
                        + " entries in " + log.segmentPaths().size() + " segments");
                acked = log.lastIndex(); // the next child resumes after whatever survived
            }
        }
    }

    /** Runs a child until it acknowledged MIN_ACKED more entries, SIGKILLs it, returns the highest acknowledged index. */
    private static long killChild(Path dir, long before, long seed, Path stderr) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LogAppenderProcess.class.getName(), dir.toString(), Long.toString(SEGMENT_SIZE), Long.toString(seed));
        pb.redirectError(stderr.toFile());
        Process child = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the child died
            }
            lines.add(EOF);
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long acked = before;
        try {
            while (acked < before + MIN_ACKED) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    fail("child acknowledged only up to " + acked + " within 60 s; stderr: " + Files.readString(stderr));
                }
                if (line.equals(EOF)) {
                    fail("child exited early (" + child.waitFor() + "); stderr: " + Files.readString(stderr));
                }
                if (line.startsWith("READY ")) {
                    assertEquals(before, Long.parseLong(line.substring(6)), "child found the log where the last one left it");
                } else if (line.startsWith("ACK ")) {
                    long a = Long.parseLong(line.substring(4));
                    assertTrue(a > acked, "acknowledgements increase");
                    acked = a;
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL on Unix
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }
        // Lines acknowledged before the kill may still be in the pipe.
        reader.join(TimeUnit.SECONDS.toMillis(30));
        for (String line; (line = lines.poll()) != null; ) {
            if (line.startsWith("ACK ")) {
                acked = Math.max(acked, Long.parseLong(line.substring(4)));
            }
        }
        return acked;
    }
}
