package io.tally.server.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Pacer} on a clock the test moves: slots one interval apart, never a burst to catch up. */
class PacerTest {

    @Test
    void slotsComeOneIntervalApart() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (Pacer p = new Pacer(1000, now::get)) { // one slot per millisecond
            assertEquals(0, p.claim());
            assertEquals(1_000_000, p.claim());
            assertEquals(2_000_000, p.claim());
            now.addAndGet(2_000_000);
            assertEquals(1_000_000, p.claim());
        }
    }

    @Test
    void aStreamLateForItsSlotGetsNoBurstAfterwards() {
        AtomicLong now = new AtomicLong(0);
        try (Pacer p = new Pacer(1000, now::get)) {
            assertEquals(0, p.claim());
            now.addAndGet(50_000_000); // 50 slots went by unused
            assertEquals(0, p.claim()); // now, not 50 times at once
            assertEquals(1_000_000, p.claim());
        }
    }

    @Test
    void aWaitTooShortToScheduleIsNone() {
        AtomicLong now = new AtomicLong(0);
        try (Pacer p = new Pacer(100_000, now::get)) { // 10 µs apart: below what is worth scheduling
            assertEquals(0, p.claim());
            assertEquals(0, p.claim());
        }
    }

    @Test
    void aRateMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new Pacer(0, System::nanoTime));
        assertThrows(IllegalArgumentException.class, () -> new Pacer(Double.NaN, System::nanoTime));
    }
}
