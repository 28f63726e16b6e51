package io.tally.examples.counter;

import io.tally.testkit.api.Fault;
import io.tally.testkit.api.Simulator;
import io.tally.testkit.api.StateMachineFactory;

/** The counter's simulation: three nodes, three clients, the default faults, replicas compared by value. */
final class CounterSimulation {

    private CounterSimulation() {
    }

    static <C extends Counter> Simulator<C, Long, CounterCommand, Long> of(StateMachineFactory<C> counters) {
        return Simulator.builder(counters, new CounterWorkload(), new CounterModel())
                .faults(Fault.UNRELIABLE_NETWORK, Fault.PARTITION, Fault.CRASH_RESTART, Fault.PAUSE,
                        Fault.LEADERSHIP_TRANSFER)
                .replicaState(Counter::value)
                .build();
    }
}
