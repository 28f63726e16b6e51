package io.tally.server.cli;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Holds {@code ./tally bench}'s request streams to a total rate ({@code --rate}): every operation takes the next slot
 * of {@code 1/rate} seconds and is not issued before it. Invariant: slots are handed out in order, one interval apart,
 * and never earlier than the moment they are claimed, so a cluster slower than the rate gets no burst afterwards to
 * catch up: the rate is an upper bound on the average, never exceeded over any stretch longer than one interval.
 */
final class Pacer implements AutoCloseable {

    /** Below this, waiting for a slot is not worth a trip through the scheduler: issue at once. */
    private static final long NEGLIGIBLE_NANOS = 50_000;

    private final long intervalNanos;
    private final LongSupplier clock;
    /** The next free slot, on {@link #clock}. */
    private final AtomicLong next;
    private final ScheduledExecutorService timer;

    /** {@code rate} operations per second in total, on {@code clock} (nanoseconds). */
    Pacer(double rate, LongSupplier clock) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be positive, was " + rate);
        }
        this.intervalNanos = Math.max(1, Math.round(1e9 / rate));
        this.clock = clock;
        this.next = new AtomicLong(clock.getAsLong());
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "tally-bench-pacer");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    /**
     * Claims the next slot and says how long until it comes (0: now). The caller issues at once if that is 0, else
     * hands its operation to {@link #later}.
     */
    long claim() {
        while (true) {
            long now = clock.getAsLong();
            long slot = next.get();
            long mine = Math.max(slot, now);
            if (next.compareAndSet(slot, mine + intervalNanos)) {
                long wait = mine - now;
                return wait <= NEGLIGIBLE_NANOS ? 0 : wait;
            }
        }
    }

    /** Runs {@code issue} on the pacer's thread after {@code waitNanos} (from {@link #claim}). */
    void later(Runnable issue, long waitNanos) {
        timer.schedule(issue, waitNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
