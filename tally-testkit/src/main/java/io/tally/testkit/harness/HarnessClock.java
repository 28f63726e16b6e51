package io.tally.testkit.harness;

import java.util.function.BooleanSupplier;

/**
 * Time as a scenario sees it: virtual in the simulator, real with threads. Scenario code is written once
 * against this and runs in both.
 */
public interface HarnessClock {

    long nowMillis();

    /** Lets {@code millis} of (virtual or real) time pass; in the simulator, events run meanwhile. */
    void sleep(long millis);

    /** Runs {@code task} after {@code millis}, from the harness (never from a node's thread of control). */
    void after(long millis, Runnable task);

    /** Waits until {@code condition} holds or {@code maxMillis} pass; returns whether it held. */
    boolean await(BooleanSupplier condition, long maxMillis);
}
