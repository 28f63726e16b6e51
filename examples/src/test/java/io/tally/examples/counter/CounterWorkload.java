package io.tally.examples.counter;

import io.tally.testkit.api.Workload;

import java.util.random.RandomGenerator;

/** Clients add 1, 2 or 3 (seven times in ten) or read the counter. */
final class CounterWorkload implements Workload<CounterCommand, Long, Long> {

    @Override
    public CounterCommand nextOperation(int client, RandomGenerator random) {
        return random.nextInt(10) < 7 ? CounterCommand.add(1 + random.nextInt(3)) : CounterCommand.get();
    }

    @Override
    public byte[] encode(CounterCommand command) {
        return command.encode();
    }

    @Override
    public Long decode(CounterCommand command, Long result) {
        return result;
    }
}
