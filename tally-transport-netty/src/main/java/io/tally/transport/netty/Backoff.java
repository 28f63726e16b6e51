package io.tally.transport.netty;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential back-off with jitter for reconnection: the n-th consecutive failure waits a uniformly
 * random time in [d/2, d] where d = min(max, base * 2^n). Jitter keeps nodes that lost the same peer from
 * reconnecting in lockstep. Not thread-safe; each link owns one.
 */
final class Backoff {

    private final long baseNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private int failures;

    Backoff(Duration base, Duration max, RandomGenerator random) {
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
    }

    /** The delay before the next attempt, counting one more failure. */
    long nextDelayNanos() {
        long d = baseNanos;
        for (int i = 0; i < failures && d < maxNanos; i++) {
            d *= 2;
        }
        d = Math.min(d, maxNanos);
        failures++;
        return d / 2 + random.nextLong(d / 2 + 1);
    }

    void reset() {
        failures = 0;
    }

    int failures() {
        return failures;
    }
}
