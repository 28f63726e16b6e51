package io.tally.testkit.harness;

import io.tally.raft.StateMachine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios' state machine: answers each command with its command index, and has the {@link ApplyRecorder}
 * (which checks state machine safety) see every command it applies and every snapshot it restores. On real threads
 * it reports each applied command itself ({@link #reporting}); under the testkit's
 * {@link io.tally.testkit.api.SimulatedCluster}, which reports every applied command of any state machine, it only
 * reports what a restored snapshot holds, command by command ({@link #underSimulatedCluster}).
 *
 * <p>Its state is the list of commands it applied, in order, and the Raft index of the last one. A snapshot
 * is a copy of both; {@link #restore} replaces them and reports the restored list to the recorder, which
 * checks it against what every node applied. Snapshot format (big-endian): i64 lastRaftIndex, i32 count,
 * count × (i64 raftIndex, i64 term, i32 commandLength (-1: null), command bytes).
 */
public final class RecordingStateMachine implements StateMachine<Long> {

    private final int node;
    private final java.util.function.Supplier<ApplyRecorder> recorder;
    private final boolean reportApplies;
    /** What this state machine applied (restored included), in order; touched by the apply thread only. */
    private List<ApplyRecorder.Applied> applied = new ArrayList<>();
    private long lastRaftIndex;

    private RecordingStateMachine(int node, java.util.function.Supplier<ApplyRecorder> recorder, boolean reportApplies) {
        this.node = node;
        this.recorder = recorder;
        this.reportApplies = reportApplies;
    }

    /** A state machine that reports every command it applies to {@code recorder}. */
    public static RecordingStateMachine reporting(int node, ApplyRecorder recorder) {
        return new RecordingStateMachine(node, () -> recorder, true);
    }

    /**
     * A state machine for a {@link io.tally.testkit.api.SimulatedCluster}, which reports applied commands itself: this
     * one reports only the commands of a restored snapshot, to the recorder {@code recorder} gives at that time.
     */
    public static RecordingStateMachine underSimulatedCluster(int node, java.util.function.Supplier<ApplyRecorder> recorder) {
        return new RecordingStateMachine(node, recorder, false);
    }

    @Override
    public List<Long> apply(List<Command> commands) {
        List<Long> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            if (reportApplies) {
                results.add(recorder.get().applied(node, c.index(), c.term(), c.data()));
            }
            applied.add(new ApplyRecorder.Applied(c.index(), c.term(), c.data()));
            if (!reportApplies) {
                results.add((long) applied.size()); // its command index, as the recorder would have answered
            }
            lastRaftIndex = c.index();
        }
        return results;
    }

    /** A copy of the state taken now: later applies do not change it. */
    @Override
    public Snapshot snapshot() {
        List<ApplyRecorder.Applied> copy = List.copyOf(applied);
        long last = lastRaftIndex;
        return out -> write(out, last, copy);
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(new BufferedInputStream(in));
        long last = data.readLong();
        int count = data.readInt();
        if (last < 0 || count < 0) {
            throw new IOException("node " + node + ": malformed snapshot: last raft index " + last + ", count " + count);
        }
        List<ApplyRecorder.Applied> restored = new ArrayList<>(Math.min(count, 1 << 16));
        for (int k = 0; k < count; k++) {
            long raftIndex = data.readLong();
            long term = data.readLong();
            int length = data.readInt();
            if (length < -1) {
                throw new IOException("node " + node + ": malformed snapshot: command " + k + " length " + length);
            }
            byte[] command = null;
            if (length >= 0) {
                command = new byte[length];
                data.readFully(command);
            }
            restored.add(new ApplyRecorder.Applied(raftIndex, term, command));
        }
        if (data.read() != -1) {
            throw new IOException("node " + node + ": malformed snapshot: trailing bytes after " + count + " commands");
        }
        recorder.get().restored(node, restored, last);
        applied = restored;
        lastRaftIndex = last;
    }

    private static void write(OutputStream out, long last, List<ApplyRecorder.Applied> items) throws IOException {
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out));
        data.writeLong(last);
        data.writeInt(items.size());
        for (ApplyRecorder.Applied a : items) {
            data.writeLong(a.raftIndex());
            data.writeLong(a.term());
            if (a.command() == null) {
                data.writeInt(-1);
            } else {
                data.writeInt(a.command().length);
                data.write(a.command());
            }
        }
        data.flush(); // the stream itself stays open: the caller owns it
    }
}
