package io.tally.bench;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Durable append throughput of {@link SegmentedLogStore} on this machine's disk, beside the raw fdatasync
 * rate of the same directory measured in the same run: every batch is appended and made durable with one
 * sync before the next starts, exactly as the node's log writer does (group commit).
 *
 * <p>Usage: {@code LogStoreBenchmark [--dir DIR] [--seconds 5]}. Prints a Markdown table.
 */
public final class LogStoreBenchmark {

    public static void main(String[] args) throws IOException {
        Path base = Path.of(arg(args, "--dir", System.getProperty("java.io.tmpdir")));
        double seconds = Double.parseDouble(arg(args, "--seconds", "5"));
        Path dir = Files.createTempDirectory(base, "tally-logbench-");
        try {
            double growing = rawFdatasyncRate(dir.resolve("fsync-probe-growing"), seconds, false);
            double preallocated = rawFdatasyncRate(dir.resolve("fsync-probe-preallocated"), seconds, true);
            System.out.printf("directory: %s%n", dir);
            System.out.printf("raw 4 KiB write + fdatasync, appending to a growing file: %.0f per second%n", growing);
            System.out.printf("raw 4 KiB write + fdatasync, inside a preallocated file:   %.0f per second%n%n", preallocated);
            System.out.println("| entry size | batch | durable appends/s | MB/s | syncs/s | vs batch 1 |");
            System.out.println("|---:|---:|---:|---:|---:|---:|");
            for (int size : new int[] {128, 4096}) {
                double single = 0;
                for (int batch : new int[] {1, 16, 256}) {
                    double[] r = run(dir.resolve("log-" + size + "-" + batch), size, batch, seconds);
                    if (batch == 1) {
                        single = r[0];
                    }
                    System.out.printf("| %d B | %d | %.0f | %.1f | %.0f | %.1f× |%n", size, batch, r[0],
                            r[0] * size / 1e6, r[0] / batch, r[0] / single);
                }
            }
            recovery(dir.resolve("log-recovery"), Integer.parseInt(arg(args, "--recovery-entries", "1000000")));
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Returns {entries per second}. */
    private static double[] run(Path dir, int entrySize, int batch, double seconds) throws IOException {
        byte[] data = new byte[entrySize];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, SegmentedLogOptions.defaults())) {
            long index = log.lastIndex() + 1;
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long start = System.nanoTime();
            long appended = 0;
            while (System.nanoTime() < deadline) {
                List<Entry> entries = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    entries.add(new Entry(index++, 1, EntryType.COMMAND, data));
                }
                log.append(entries);
                log.sync();
                appended += batch;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            return new double[] {appended / elapsed};
        }
    }

    /** Writes a log of {@code entries} 128-byte entries, closes it, and times reopening (recovery) it. */
    private static void recovery(Path dir, int entries) throws IOException {
        byte[] data = new byte[128];
        try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, SegmentedLogOptions.defaults())) {
            List<Entry> batch = new ArrayList<>(1024);
            for (long i = 1; i <= entries; i++) {
                batch.add(new Entry(i, 1, EntryType.COMMAND, data));
                if (batch.size() == 1024 || i == entries) {
                    log.append(batch);
                    log.sync();
                    batch = new ArrayList<>(1024);
                }
            }
        }
        for (int attempt = 1; attempt <= 3; attempt++) {
            long start = System.nanoTime();
            try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, SegmentedLogOptions.defaults())) {
                double ms = (System.nanoTime() - start) / 1e6;
                System.out.printf("%nrecovery (open) of a log of %d entries of 128 B (%d..%d), attempt %d: %.0f ms%n",
                        entries, log.firstIndex(), log.lastIndex(), attempt, ms);
            }
        }
    }

    /**
     * Writes 4 KiB and fdatasyncs, as fast as possible: the disk's own ceiling for syncs. Appending to a growing
     * file also makes every sync flush the file's size; inside a preallocated file it does not.
     */
    private static double rawFdatasyncRate(Path file, double seconds, boolean preallocate) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            if (preallocate) {
                for (long p = 0; p < (256L << 20); p += block.capacity()) {
                    block.clear();
                    ch.write(block, p);
                }
                ch.force(true);
            }
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long start = System.nanoTime();
            long n = 0;
            long pos = 0;
            while (System.nanoTime() < deadline) {
                block.clear();
                pos += ch.write(block, pos);
                ch.force(false);
                n++;
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static String arg(String[] args, String name, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
