package io.tally.testkit.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulationTest {

    @Test
    void eventsRunInOrderOfTimeThenSequence() {
        Simulation sim = new Simulation(1);
        List<String> order = new ArrayList<>();
        sim.schedule(3_000, "c", () -> order.add("c"));
        sim.schedule(1_000, "a1", () -> order.add("a1"));
        sim.schedule(2_000, "b", () -> order.add("b"));
        sim.schedule(1_000, "a2", () -> order.add("a2"));
        sim.schedule(0, "zero", () -> {
            order.add("zero");
            // Same time as now: runs after everything already queued for this time.
            sim.schedule(0, "zero-child", () -> order.add("zero-child"));
        });
        sim.schedule(0, "zero2", () -> order.add("zero2"));
        sim.runFor(1);
        assertEquals(List.of("zero", "zero2", "zero-child", "a1", "a2", "b", "c"), order);
    }

    @Test
    void runForAdvancesVirtualTimeExactly() {
        Simulation sim = new Simulation(1);
        assertEquals(0, sim.nowNanos());
        sim.runFor(5);
        assertEquals(5_000_000, sim.nowNanos());
        assertEquals(5, sim.nowMillis());

        long[] seen = new long[2];
        sim.schedule(2_500_000, "mid", () -> seen[0] = sim.nowNanos());
        sim.schedule(3_000_000, "edge", () -> seen[1] = sim.nowNanos());
        sim.schedule(3_000_001, "later", () -> seen[1] = -1);
        sim.runFor(3);
        assertEquals(7_500_000, seen[0]);
        assertEquals(8_000_000, seen[1], "an event exactly at the end runs");
        assertEquals(8_000_000, sim.nowNanos());
        assertEquals(2, sim.eventsProcessed());
        sim.runFor(0);
        assertEquals(2, sim.eventsProcessed());
        sim.runFor(1);
        assertEquals(-1, seen[1]);
    }

    @Test
    void runUntilStopsAtConditionOrDeadline() {
        Simulation sim = new Simulation(1);
        int[] counter = new int[1];
        for (int i = 1; i <= 10; i++) {
            sim.schedule(i * 1_000_000L, "tick", () -> counter[0]++);
        }
        assertTrue(sim.runUntil(() -> counter[0] == 3, 100));
        assertEquals(3_000_000, sim.nowNanos(), "stops right after the event that made it true");
        assertTrue(sim.runUntil(() -> counter[0] == 3, 100), "already true: no events processed");
        assertEquals(3, sim.eventsProcessed());

        assertFalse(sim.runUntil(() -> counter[0] == 100, 4));
        assertEquals(7_000_000, sim.nowNanos(), "clock at the deadline");
        assertEquals(7, counter[0]);

        assertFalse(sim.runUntil(() -> false, 1000));
        assertEquals(1_007_000_000, sim.nowNanos());
        assertEquals(10, counter[0]);
    }

    @Test
    void cancelledEventsDoNotRun() {
        Simulation sim = new Simulation(1);
        boolean[] ran = new boolean[2];
        Event e = sim.schedule(1_000, "x", () -> ran[0] = true);
        sim.schedule(500, "canceller", e::cancel);
        Event f = sim.schedule(2_000, "y", () -> ran[1] = true);
        f.cancel();
        sim.runFor(1);
        assertFalse(ran[0]);
        assertFalse(ran[1]);
        assertTrue(e.isCancelled());
        assertEquals(1, sim.eventsProcessed());
    }

    @Test
    void deadIncarnationEventsAreSkipped() {
        Simulation sim = new Simulation(1);
        NodeIncarnation inc = NodeIncarnation.first("n1");
        List<String> ran = new ArrayList<>();
        sim.schedule(1_000, "before", inc, () -> ran.add("before"));
        sim.schedule(2_000, "kill", inc::kill);
        sim.schedule(3_000, "after", inc, () -> ran.add("after"));
        sim.schedule(4_000, "unowned", () -> ran.add("unowned"));
        NodeIncarnation next = inc.next();
        assertEquals(2, next.number());
        sim.schedule(5_000, "next", next, () -> ran.add("next"));
        sim.runFor(1);
        assertEquals(List.of("unowned", "next"), ran, "next() killed the first incarnation at once");
    }

    @Test
    void taskExceptionPropagatesWithSeedTimeAndLabel() {
        Simulation sim = new Simulation(42);
        sim.schedule(1_500_000, "boom-event", () -> {
            throw new IllegalStateException("kaput");
        });
        SimulationException ex = assertThrows(SimulationException.class, () -> sim.runFor(10));
        assertTrue(ex.getMessage().contains("seed=42"), ex.getMessage());
        assertTrue(ex.getMessage().contains("boom-event"), ex.getMessage());
        assertTrue(ex.getMessage().contains("1.500000ms"), ex.getMessage());
        assertEquals(1_500_000, ex.timeNanos());
        assertInstanceOf(IllegalStateException.class, ex.getCause());
        // The simulation is still usable afterwards.
        sim.runFor(1);
    }

    @Test
    void maxEventsStopsRunaway() {
        Simulation sim = new Simulation(3);
        sim.setMaxEvents(1000);
        Runnable[] loop = new Runnable[1];
        loop[0] = () -> sim.schedule(0, "loop", loop[0]);
        sim.schedule(0, "loop", loop[0]);
        SimulationException ex = assertThrows(SimulationException.class, () -> sim.runFor(1));
        assertTrue(ex.getMessage().contains("runaway"), ex.getMessage());
        assertEquals(1000, sim.eventsProcessed());
    }

    @Test
    void runIsNotReentrant() {
        Simulation sim = new Simulation(1);
        sim.schedule(0, "nested", () -> sim.runFor(1));
        SimulationException ex = assertThrows(SimulationException.class, () -> sim.runFor(1));
        assertInstanceOf(IllegalStateException.class, ex.getCause());
    }

    @Test
    void traceRecordsTimeAndLabel() {
        Simulation sim = new Simulation(1);
        sim.enableTrace();
        sim.schedule(10, "a", () -> { });
        sim.schedule(20, "b", () -> { });
        sim.runFor(1);
        assertEquals(List.of("10 a", "20 b"), sim.trace());
    }

    @Test
    void sameSeedSameTraceDifferentSeedDifferentTrace() {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong()); // replay: -Dtally.test.seed=N
        System.out.println("SimulationTest.sameSeedSameTrace seed=" + seed);
        Simulation a = workload(seed, true);
        Simulation b = workload(seed, true);
        assertEquals(a.trace(), b.trace(), "seed=" + seed);
        assertEquals(a.traceHash(), b.traceHash(), "seed=" + seed);
        assertEquals(a.eventsProcessed(), b.eventsProcessed());
        assertTrue(a.eventsProcessed() > 1000);
        // The hash is maintained with tracing off too.
        assertEquals(a.traceHash(), workload(seed, false).traceHash(), "seed=" + seed);
        assertNotEquals(a.traceHash(), workload(seed + 1, false).traceHash(), "seed=" + seed);
    }

    /** A small randomized workload: self-rescheduling actors with random delays, some cancelled. */
    private static Simulation workload(long seed, boolean trace) {
        Simulation sim = new Simulation(seed);
        if (trace) {
            sim.enableTrace();
        }
        for (int i = 0; i < 5; i++) {
            String label = "actor-" + i;
            Runnable[] step = new Runnable[1];
            step[0] = () -> {
                Event e = sim.schedule(sim.random().nextLong(1_000_000), label, step[0]);
                if (sim.random().nextInt(10) == 0) {
                    e.cancel();
                    sim.schedule(sim.random().nextLong(2_000_000), label + "-retry", step[0]);
                }
            };
            sim.schedule(sim.random().nextLong(1_000_000), label, step[0]);
        }
        sim.runFor(500);
        return sim;
    }
}
