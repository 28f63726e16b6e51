package io.tally.examples.bank;

import io.tally.testkit.api.Fault;
import io.tally.testkit.api.Simulator;
import io.tally.testkit.api.StateMachineFactory;

/**
 * The bank's simulation: three nodes on simulated disks, three clients, network faults, crashes that lose unsynced
 * writes, pauses, clock drift and leadership transfers; money must be conserved on every node at every moment.
 */
final class BankSimulation {

    private BankSimulation() {
    }

    static <B extends Bank> Simulator<B, Long, BankCommand, Long> of(StateMachineFactory<B> banks) {
        return Simulator.builder(banks, new BankWorkload(), new BankModel())
                .faults(Fault.UNRELIABLE_NETWORK, Fault.PARTITION, Fault.BRIDGE, Fault.CRASH_RESTART,
                        Fault.LOST_UNSYNCED_WRITES, Fault.PAUSE, Fault.CLOCK_DRIFT, Fault.LEADERSHIP_TRANSFER,
                        Fault.MEMBERSHIP_CHANGE)
                .invariant((node, bank) -> {
                    if (bank.money() != Bank.TOTAL) {
                        throw new AssertionError("the bank holds " + bank.money() + ", not " + Bank.TOTAL + ": " + bank.state());
                    }
                })
                .replicaState(Bank::state)
                .build();
    }
}
