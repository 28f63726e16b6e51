package io.tally.transport.netty;

import io.tally.raft.StateMachine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Keeps every applied command; results are the command's index. Snapshots hold the whole list. */
final class ListStateMachine implements StateMachine<Long> {

    final List<byte[]> applied = new ArrayList<>();
    private volatile int size;

    int size() {
        return size;
    }

    @Override
    public List<Long> apply(List<Command> commands) {
        List<Long> r = new ArrayList<>();
        for (Command c : commands) {
            applied.add(c.data());
            r.add(c.index());
        }
        size = applied.size();
        return r;
    }

    @Override
    public Snapshot snapshot() {
        List<byte[]> copy = List.copyOf(applied);
        return out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(copy.size());
            for (byte[] b : copy) {
                d.writeInt(b.length);
                d.write(b);
            }
            d.flush();
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int n = d.readInt();
        applied.clear();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[d.readInt()];
            d.readFully(b);
            applied.add(b);
        }
        size = applied.size();
    }
}
