package io.tally.examples.bank;

import io.tally.testkit.api.SeedResult;
import io.tally.testkit.api.SimulationReport;
import io.tally.testkit.api.SimulationTest;
import io.tally.testkit.api.Simulator;
import io.tally.testkit.api.StateMachineFactory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bank conserves money and is linearizable on every seed of its budget (-Dtally.sim.seeds, default 100); the bank
 * whose snapshot forgets the fees ({@link ForgetfulBank}) is caught within that budget, and its failing seed replays
 * to the same failure.
 */
class BankTest {

    private static final Simulator<Bank, Long, BankCommand, Long> BANK = BankSimulation.of(StateMachineFactory.of(Bank::new));
    private static final Simulator<ForgetfulBank, Long, BankCommand, Long> FORGETFUL =
            BankSimulation.of(StateMachineFactory.of(ForgetfulBank::new));

    @SimulationTest
    void transfersConserveMoney(long seed) {
        BANK.run(seed).assertPassed();
    }

    @Test
    void snapshotThatForgetsAFieldIsCaught() {
        SimulationReport report = FORGETFUL.check();
        System.out.println("ForgetfulBank: " + report.summary());
        assertFalse(report.passed(), "the forgetful bank passed " + report.seedsRun() + " seeds");
        SeedResult failed = report.failed();
        assertTrue(failed.trace().stream().anyMatch(line -> line.contains("started")), "the trace tells the story");
        SeedResult replay = FORGETFUL.run(failed.seed());
        assertEquals(failed.failure(), replay.failure(), "the replay must fail the same way");
        assertEquals(failed.trace(), replay.trace(), "the replay must tell the same story");
    }
}
