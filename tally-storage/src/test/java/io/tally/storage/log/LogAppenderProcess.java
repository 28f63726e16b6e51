package io.tally.storage.log;

import io.tally.raft.model.Entry;
import io.tally.storage.fs.NioFileSystem;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child process of {@link SegmentedLogKillTest}: appends batches to the log in {@code args[0]} as fast as it
 * can and prints "ACK lastIndex" after each sync, until it is killed. Entry contents are a function of the
 * index ({@link #expected}), so the parent can check them without being told.
 */
public final class LogAppenderProcess {

    private LogAppenderProcess() {
    }

    static Entry expected(long index) {
        return LogTestSupport.entry(index, 1 + index / 500, (int) (index * 7919 % 600));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long segmentSize = Long.parseLong(args[1]);
        PrintStream out = System.out;
        SplittableRandom r = new SplittableRandom(Long.parseLong(args[2]));
        try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, new SegmentedLogOptions(segmentSize))) {
            out.println("READY " + log.lastIndex());
            out.flush();
            long next = log.lastIndex() + 1;
            while (true) {
                int n = 1 + r.nextInt(64);
                List<Entry> batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    batch.add(expected(next + i));
                }
                log.append(batch);
                log.sync();
                next += n;
                out.println("ACK " + (next - 1));
                out.flush();
            }
        }
    }
}
