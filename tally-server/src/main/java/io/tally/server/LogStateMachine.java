package io.tally.server;

import io.tally.raft.StateMachine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The node process's state machine until the key/value store replaces it: it keeps every applied command
 * with its log index, so tests can compare what each replica applied, entry by entry. The result of a
 * command is its index. Thread-safe reads ({@link #from}) alongside the apply thread.
 */
public final class LogStateMachine implements StateMachine<Long> {

    /** One applied command. */
    public record Applied(long index, byte[] data) {
    }

    private final List<Applied> applied = new ArrayList<>();

    @Override
    public synchronized List<Long> apply(List<Command> commands) {
        List<Long> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            applied.add(new Applied(c.index(), c.data()));
            results.add(c.index());
        }
        return results;
    }

    /** Up to {@code limit} applied commands with index >= {@code fromIndex}, in log order. */
    public synchronized List<Applied> from(long fromIndex, int limit) {
        List<Applied> out = new ArrayList<>();
        int lo = 0;
        int hi = applied.size();
        while (lo < hi) { // first position with index >= fromIndex
            int mid = (lo + hi) >>> 1;
            if (applied.get(mid).index() < fromIndex) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < applied.size() && out.size() < limit; i++) {
            out.add(applied.get(i));
        }
        return out;
    }

    @Override
    public synchronized Snapshot snapshot() {
        List<Applied> copy = List.copyOf(applied);
        return out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(copy.size());
            for (Applied a : copy) {
                d.writeLong(a.index());
                d.writeInt(a.data().length);
                d.write(a.data());
            }
            d.flush();
        };
    }

    @Override
    public synchronized void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int n = d.readInt();
        if (n < 0) {
            throw new IOException("snapshot claims " + n + " commands");
        }
        List<Applied> restored = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long index = d.readLong();
            int len = d.readInt();
            if (len < 0 || len > (64 << 20)) {
                throw new IOException("snapshot command of " + len + " bytes");
            }
            byte[] b = new byte[len];
            d.readFully(b);
            restored.add(new Applied(index, b));
        }
        applied.clear();
        applied.addAll(restored);
    }
}
