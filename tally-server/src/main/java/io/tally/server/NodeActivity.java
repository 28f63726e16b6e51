package io.tally.server;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAdder;

/**
 * What this node did since the last look, for the status page's plots ({@link NodeHistory}): the client requests it
 * answered (writes, reads, failures) with the latency of its writes, and the latency of its log's fsyncs. Recording
 * costs an adder increment and, for timed events, one wait-free histogram record; {@link #interval} hands over what was
 * recorded since the previous call.
 *
 * <p>Only requests that came from a client count, not those another node forwarded here: a write sent to a follower is
 * counted (and timed, forwarding included) by the follower alone, so the counts of all members add up to the cluster's.
 */
final class NodeActivity {

    /** Latencies are recorded in microseconds, up to an hour, with 2 significant digits (1 % error). */
    private static final long MAX_MICROS = 3_600_000_000L;

    private final LongAdder writes = new LongAdder();
    private final LongAdder reads = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Recorder writeLatency = new Recorder(1, MAX_MICROS, 2);
    private final Recorder fsyncLatency = new Recorder(1, MAX_MICROS, 2);
    private Histogram writeInterval;
    private Histogram fsyncInterval;

    /** What happened in one interval; histograms are the recorder's reusable buffers, valid until the next call. */
    record Interval(long writes, long reads, long failed, Histogram writeMicros, Histogram fsyncMicros) {
    }

    /** A request answered: counted if it is a client's read or write; {@code status} 5xx counts as failed. */
    void request(String operation, int status, long nanos, boolean forwarded) {
        if (forwarded) {
            return;
        }
        boolean write = isWrite(operation);
        if (!write && !isRead(operation)) {
            return;
        }
        if (status >= 500) {
            failed.increment();
        } else if (write) {
            writes.increment();
            writeLatency.recordValue(clamp(nanos / 1000));
        } else {
            reads.increment();
        }
    }

    /** The log store synced, taking {@code nanos}. */
    void fsync(long nanos) {
        fsyncLatency.recordValue(clamp(nanos / 1000));
    }

    /** Everything recorded since the previous call. Called by one thread at a time (the sampler). */
    Interval interval() {
        writeInterval = writeLatency.getIntervalHistogram(writeInterval);
        fsyncInterval = fsyncLatency.getIntervalHistogram(fsyncInterval);
        return new Interval(writes.sumThenReset(), reads.sumThenReset(), failed.sumThenReset(), writeInterval, fsyncInterval);
    }

    /** The operations (as {@link Router#operation} names them) that change the store. */
    static boolean isWrite(String operation) {
        return switch (operation) {
            case "put", "delete", "append", "delete-prefix", "txn" -> true;
            default -> false;
        };
    }

    static boolean isRead(String operation) {
        return operation.equals("get") || operation.equals("range");
    }

    private static long clamp(long micros) {
        return Math.max(1, Math.min(MAX_MICROS, micros));
    }
}
