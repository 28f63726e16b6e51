package io.tally.bench.compare;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The fdatasync rate of the disk under the data directories: 4 KiB written and forced ({@code force(false)}, i.e.
 * fdatasync) in a loop, appending to a growing file, then overwriting inside a preallocated one.
 */
final class FsyncProbe {

    static final int BLOCK = 4096;

    /** Syncs per second, appending and in place. */
    record Result(double appendingPerSecond, double inPlacePerSecond) {
    }

    private FsyncProbe() {
    }

    static Result measure(Path dir, Duration period) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("fsync-probe");
        try {
            double appending = loop(file, period, false);
            double inPlace = loop(file, period, true);
            return new Result(appending, inPlace);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double loop(Path file, Duration period, boolean inPlace) throws IOException {
        Files.deleteIfExists(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocateDirect(BLOCK);
            long slots = 16_384; // 64 MiB
            if (inPlace) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                for (long off = 0; off < slots * BLOCK; off += zeros.capacity()) {
                    zeros.clear();
                    ch.write(zeros, off);
                }
                ch.force(true);
            }
            long end = System.nanoTime() + period.toNanos();
            long start = System.nanoTime();
            long n = 0;
            while (System.nanoTime() < end) {
                block.clear();
                block.putLong(0, n);
                ch.write(block, inPlace ? (n % slots) * BLOCK : n * BLOCK);
                ch.force(false);
                n++;
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }
}
