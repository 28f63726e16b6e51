package io.tally.transport.netty;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until a deadline (real-time tests only: the outcome, not a sleep, ends the wait). */
final class Wait {

    private Wait() {
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what);
            }
        }
    }
}
