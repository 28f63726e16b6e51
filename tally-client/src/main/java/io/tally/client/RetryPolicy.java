package io.tally.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How a call is retried. The client tries the endpoints in turn: a node that cannot be reached, has no leader, is
 * shutting down or is overloaded sends it on to the next one at once. After each full round of the endpoints it
 * pauses: {@code initialBackoff}, doubled every round up to {@code maxBackoff}, each pause drawn between half and all
 * of that (jitter, so that many clients do not retry in step). A call ends at its timeout or after
 * {@code maxAttempts} tries, whichever comes first.
 *
 * <p>No policy can make the client apply a write twice: every retry of a write carries the same session and sequence
 * number, and the cluster answers a repeated one with the original result.
 *
 * @param maxAttempts    tries of one call in all, the first included, at least 1 ({@link #UNLIMITED}: until the
 *                       call's timeout)
 * @param initialBackoff the pause after the first round of the endpoints (zero: none)
 * @param maxBackoff     the longest pause, at least {@code initialBackoff}
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    /** As many tries as the call's timeout allows. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1 (the first try), not " + maxAttempts);
        }
        if (initialBackoff.isNegative()) {
            throw new IllegalArgumentException("initialBackoff must not be negative, not " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") must be at least initialBackoff ("
                    + initialBackoff + ")");
        }
    }

    /** Until the call's timeout; pauses from 50 ms, doubling, up to 1 s. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(UNLIMITED, Duration.ofMillis(50), Duration.ofSeconds(1));
    }

    public RetryPolicy withMaxAttempts(int maxAttempts) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff);
    }

    public RetryPolicy withBackoff(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, initial, max);
    }

    /** The pause after {@code rounds} full rounds of the endpoints (from 1); {@code jitter} is in [0, 1). */
    long backoffNanos(int rounds, double jitter) {
        long initial = initialBackoff.toNanos();
        long max = maxBackoff.toNanos();
        long pause = initial;
        for (int i = 1; i < rounds && pause < max; i++) {
            pause *= 2;
        }
        pause = Math.min(pause, max);
        return pause / 2 + (long) (pause / 2 * jitter);
    }
}
