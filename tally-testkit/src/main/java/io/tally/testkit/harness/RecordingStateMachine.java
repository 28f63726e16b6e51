package io.tally.testkit.harness;

import io.tally.raft.StateMachine;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios' state machine: reports every applied command to the {@link ApplyRecorder} (which checks
 * state machine safety) and answers each with its command index.
 */
public final class RecordingStateMachine implements StateMachine<Long> {

    private final int node;
    private final ApplyRecorder recorder;

    public RecordingStateMachine(int node, ApplyRecorder recorder) {
        this.node = node;
        this.recorder = recorder;
    }

    @Override
    public List<Long> apply(List<Command> commands) {
        List<Long> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            results.add(recorder.applied(node, c.index(), c.term(), c.data()));
        }
        return results;
    }

    @Override
    public Snapshot snapshot() {
        throw new UnsupportedOperationException("the scenario state machine is rebuilt from the log; it takes no snapshots");
    }

    @Override
    public void restore(InputStream in) throws IOException {
        throw new IOException("the scenario state machine is rebuilt from the log; it restores no snapshots");
    }
}
