package io.tally.bench.compare;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of a running load, safe to update from many threads: latencies of completed operations
 * (HdrHistogram {@link Recorder}, microseconds), failures by kind, and connection resets. {@link #reset()} starts
 * the measured period; {@link #take()} ends it.
 */
final class LoadStats {

    private static final long MAX_US = 3_600_000_000L;

    private final Recorder latencies = new Recorder(MAX_US, 3);
    private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder resets = new LongAdder();
    private volatile long since = System.nanoTime();

    void completed(long startNanos) {
        latencies.recordValue(Math.min(MAX_US, Math.max(1, (System.nanoTime() - startNanos) / 1000)));
    }

    void failed(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** A connection reset by the peer: counted apart from the errors (the operation on it is lost too). */
    void connectionReset() {
        resets.increment();
    }

    /** Forgets everything so far: the measured period starts now. */
    void restart() {
        latencies.getIntervalHistogram();
        errors.clear();
        resets.reset();
        since = System.nanoTime();
    }

    /** Everything since {@link #restart()}. */
    Measurement take() {
        Histogram h = latencies.getIntervalHistogram();
        double seconds = (System.nanoTime() - since) / 1e9;
        Map<String, Long> e = new TreeMap<>();
        errors.forEach((k, v) -> e.put(k, v.sum()));
        return new Measurement(h.getTotalCount(), seconds, h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue(), e, resets.sum());
    }
}
