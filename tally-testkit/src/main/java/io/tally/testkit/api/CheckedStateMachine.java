package io.tally.testkit.api;

import io.tally.raft.StateMachine;
import io.tally.testkit.harness.ApplyRecorder;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Wraps a node's own state machine so that the simulator sees what it applies: every command is reported to the
 * {@link ApplyRecorder} (state machine safety) before the batch is handed, unchanged, to the wrapped machine. A
 * snapshot is the wrapped machine's snapshot behind a 16-byte header (i64 commands covered, i64 Raft index of the last
 * of them), so that a restore can be checked against what the nodes applied.
 */
final class CheckedStateMachine<S extends StateMachine<R>, R> implements StateMachine<R> {

    private final int node;
    private final S inner;
    private final ApplyRecorder recorder;
    private final java.util.function.BiConsumer<Long, Long> afterRestore;
    /** Commands this state covers (restored included) and the Raft index of the last one; apply thread only. */
    private long commands;
    private long lastCommandIndex;

    /** {@code afterRestore} gets the commands the restored snapshot covers and the Raft index of the last one. */
    CheckedStateMachine(int node, S inner, ApplyRecorder recorder, java.util.function.BiConsumer<Long, Long> afterRestore) {
        this.node = node;
        this.inner = inner;
        this.recorder = recorder;
        this.afterRestore = afterRestore;
    }

    S inner() {
        return inner;
    }

    /** The Raft index of the last command this state covers (0: none). */
    long lastCommandIndex() {
        return lastCommandIndex;
    }

    @Override
    public List<R> apply(List<Command> batch) {
        for (Command c : batch) {
            recorder.applied(node, c.index(), c.term(), c.data());
            commands++;
            lastCommandIndex = c.index();
        }
        List<R> results = inner.apply(batch);
        if (results == null || results.size() != batch.size()) {
            throw new IllegalStateException("the state machine returned " + (results == null ? "null" : results.size()
                    + " results") + " for a batch of " + batch.size() + " commands");
        }
        return results;
    }

    @Override
    public Snapshot snapshot() {
        Snapshot view = inner.snapshot();
        long count = commands;
        long last = lastCommandIndex;
        return new Snapshot() {
            @Override
            public void writeTo(java.io.OutputStream out) throws IOException {
                DataOutputStream data = new DataOutputStream(out);
                data.writeLong(count);
                data.writeLong(last);
                data.flush();
                view.writeTo(out);
            }

            @Override
            public void release() {
                view.release();
            }
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        long count = data.readLong();
        long last = data.readLong();
        recorder.restoredPrefix(node, count, last);
        inner.restore(in);
        commands = count;
        lastCommandIndex = last;
        afterRestore.accept(count, last);
    }
}
