package io.tally.examples.counter;

import io.tally.testkit.linearizability.Model;

import java.util.Optional;

/** The counter as a sequential specification: the state is the value; an add answers the new value, a get the value. */
final class CounterModel implements Model<Long, CounterCommand, Long> {

    @Override
    public Long initialState() {
        return 0L;
    }

    @Override
    public Optional<Long> step(Long value, CounterCommand command, Long answer) {
        long next = command.add() ? value + command.delta() : value;
        if (answer != null && answer != next) {
            return Optional.empty(); // this answer cannot come from this state
        }
        return Optional.of(next);
    }
}
