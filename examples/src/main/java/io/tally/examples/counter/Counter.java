package io.tally.examples.counter;

import io.tally.raft.StateMachine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A replicated counter: {@code add(delta)} answers the new value, {@code get()} the current one. The whole state is
 * one long, and so is a snapshot.
 */
public class Counter implements StateMachine<Long> {

    /** The value; touched by the apply thread only. */
    protected long value;

    @Override
    public List<Long> apply(List<Command> commands) {
        List<Long> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            CounterCommand cmd = CounterCommand.decode(c.data());
            if (cmd.add()) {
                value += cmd.delta();
            }
            results.add(value);
        }
        return results;
    }

    @Override
    public Snapshot snapshot() {
        long v = value;
        return out -> {
            DataOutputStream data = new DataOutputStream(out);
            data.writeLong(v);
            data.flush();
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        value = new DataInputStream(in).readLong();
    }

    /** The current value (for checks). */
    public long value() {
        return value;
    }
}
