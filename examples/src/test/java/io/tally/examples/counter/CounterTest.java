package io.tally.examples.counter;

import io.tally.testkit.api.SeedResult;
import io.tally.testkit.api.SimulationReport;
import io.tally.testkit.api.SimulationTest;
import io.tally.testkit.api.Simulator;
import io.tally.testkit.api.StateMachineFactory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The counter passes every seed of its budget (-Dtally.sim.seeds, default 100); the counter with the non-deterministic
 * apply ({@link BatchDedupingCounter}) is caught within that budget, and its failing seed replays to the same failure.
 */
class CounterTest {

    private static final Simulator<Counter, Long, CounterCommand, Long> COUNTER =
            CounterSimulation.of(StateMachineFactory.of(Counter::new));
    private static final Simulator<BatchDedupingCounter, Long, CounterCommand, Long> BROKEN =
            CounterSimulation.of(StateMachineFactory.of(BatchDedupingCounter::new));

    @SimulationTest
    void counterIsLinearizable(long seed) {
        COUNTER.run(seed).assertPassed();
    }

    @Test
    void nonDeterministicApplyIsCaught() {
        SimulationReport report = BROKEN.check();
        System.out.println("BatchDedupingCounter: " + report.summary());
        assertFalse(report.passed(), "the broken counter passed " + report.seedsRun() + " seeds");
        SeedResult failed = report.failed();
        SeedResult replay = BROKEN.run(failed.seed());
        assertFalse(replay.passed(), "the failing seed must fail again");
        assertEquals(failed.failure(), replay.failure(), "the replay must fail the same way");
        assertEquals(failed.trace(), replay.trace(), "the replay must tell the same story");
    }
}
