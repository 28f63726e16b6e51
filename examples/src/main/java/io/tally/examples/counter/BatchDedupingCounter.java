package io.tally.examples.counter;

import io.tally.raft.StateMachine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * DELIBERATELY BROKEN: a counter whose {@code apply} is not deterministic. Its author, seeing client retries arrive
 * twice, decided that two identical commands in one batch must be one request sent twice and applies only the
 * first. But how Raft groups committed commands into batches depends on timing, and differs from replica to replica
 * and from the leader's answer to a follower's: two honest {@code add(1)}s from two clients, delivered together on
 * one node and apart on another, count twice there and once here. The replicas diverge, and clients see increments
 * vanish. ({@code StateMachine.apply} must give the same results as applying the commands one at a time.)
 */
public final class BatchDedupingCounter extends Counter {

    @Override
    public List<Long> apply(List<StateMachine.Command> commands) {
        List<Long> results = new ArrayList<>(commands.size());
        Set<String> seenInBatch = new HashSet<>();
        for (StateMachine.Command c : commands) {
            CounterCommand cmd = CounterCommand.decode(c.data());
            if (cmd.add() && seenInBatch.add(cmd.toString())) {
                value += cmd.delta();
            }
            results.add(value);
        }
        return results;
    }
}
