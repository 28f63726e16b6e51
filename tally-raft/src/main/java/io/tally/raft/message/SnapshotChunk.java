package io.tally.raft.message;

import java.util.Arrays;
import java.util.Objects;

/**
 * One chunk of a snapshot that a leader streams to a follower needing entries the leader has compacted
 * (Raft paper §7, InstallSnapshot). Chunks are consecutive byte ranges of the snapshot's data; the last one
 * has {@code done} set. Every chunk names the snapshot (lastIndex, lastTerm) and carries the configuration
 * at lastIndex ({@link io.tally.raft.model.ConfigurationCodec} form). The runtime, not the core, handles
 * chunks: the follower writes them to its snapshot store and hands the core only the finished snapshot.
 */
public record SnapshotChunk(String from, String to, long term, long lastIndex, long lastTerm, long offset,
                            byte[] data, boolean done, byte[] configuration) implements RaftMessage {

    public SnapshotChunk {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(configuration, "configuration");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotChunk c && c.from.equals(from) && c.to.equals(to) && c.term == term
                && c.lastIndex == lastIndex && c.lastTerm == lastTerm && c.offset == offset && c.done == done
                && Arrays.equals(c.data, data) && Arrays.equals(c.configuration, configuration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(from, to, term, lastIndex, lastTerm, offset, done) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SnapshotChunk{" + from + "->" + to + " t" + term + " snap " + lastIndex + "/" + lastTerm
                + " @" + offset + " " + data.length + "B" + (done ? " done" : "") + "}";
    }
}
