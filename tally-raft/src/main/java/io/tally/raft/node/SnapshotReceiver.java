package io.tally.raft.node;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.message.SnapshotAck;
import io.tally.raft.message.SnapshotChunk;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.transport.Transport;

import java.io.IOException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's half of InstallSnapshot (§7): writes consecutive chunks into the snapshot store and
 * acknowledges how far it holds the snapshot; once the last chunk is in, commits the snapshot (durable) and
 * hands it to the Raft loop, which decides, by term, whether to install it. Runs on the snapshot executor.
 */
final class SnapshotReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);
    /** Most chunks held ahead of their turn: bounds memory to this many chunks per transfer. */
    private static final int MAX_AHEAD = 64;

    /** A complete, durable snapshot received from {@code from} as leader of {@code term}. */
    public record Received(String from, long term, SnapshotMeta meta) {
    }

    private final String self;
    private final SerialExecutor executor;
    private final SnapshotStore store;
    private final Transport transport;
    private final Consumer<Received> onComplete;
    private final Consumer<Throwable> onFatal;
    private Incoming active;
    /** The last snapshot received whole, so that late duplicates of its chunks are simply acknowledged. */
    private SnapshotMeta completed;
    /**
     * How many bytes the sender streamed for {@link #completed}. Acknowledgements count the sender's bytes, not the
     * size the store reports: a store that already held the snapshot keeps its own copy, whose bytes need not be
     * identical (a state machine may serialise the same state differently).
     */
    private long completedBytes;

    public SnapshotReceiver(String self, SerialExecutor executor, SnapshotStore store, Transport transport,
                            Consumer<Received> onComplete, Consumer<Throwable> onFatal) {
        this.self = self;
        this.executor = executor;
        this.store = store;
        this.transport = transport;
        this.onComplete = onComplete;
        this.onFatal = onFatal;
    }

    private static final class Incoming {
        final String from;
        final long term;
        final long lastIndex;
        final long lastTerm;
        final SnapshotStore.SnapshotSink sink;
        long expected;
        /** Chunks that arrived ahead of their turn (the network reorders), by offset; bounded. */
        final java.util.TreeMap<Long, SnapshotChunk> ahead = new java.util.TreeMap<>();

        Incoming(SnapshotChunk c, SnapshotStore.SnapshotSink sink) {
            this.from = c.from();
            this.term = c.term();
            this.lastIndex = c.lastIndex();
            this.lastTerm = c.lastTerm();
            this.sink = sink;
        }
    }

    public void onChunk(SnapshotChunk c) {
        executor.execute(() -> handle(c));
    }

    private void handle(SnapshotChunk c) {
        if (completed != null && c.lastIndex() == completed.lastIndex() && c.lastTerm() == completed.lastTerm()) {
            // Already durable here. A leader sends it again when our install did not take (for example, it came
            // in while our term moved on): hand it to the loop again, under the sender's term.
            if (c.offset() == 0 || c.done()) { // once per re-sent transfer: the sender starts at 0
                onComplete.accept(new Received(c.from(), c.term(), completed));
            }
            ack(c, completedBytes);
            return;
        }
        boolean same = active != null && active.lastIndex == c.lastIndex() && active.lastTerm == c.lastTerm()
                && active.from.equals(c.from()) && active.term == c.term();
        try {
            if (!same) {
                if (c.offset() != 0) {
                    ack(c, 0); // we do not hold its beginning: start over
                    return;
                }
                abort();
                Configuration conf;
                try {
                    conf = ConfigurationCodec.decode(c.configuration());
                } catch (IllegalArgumentException e) {
                    LOG.warn("{}: snapshot chunk from {} with an unreadable configuration: {}", self, c.from(), e.getMessage());
                    return;
                }
                active = new Incoming(c, store.create(new SnapshotMeta(c.lastIndex(), c.lastTerm(), conf, 0)));
            }
            if (c.offset() > active.expected) {
                if (active.ahead.size() < MAX_AHEAD) {
                    active.ahead.put(c.offset(), c);
                }
                ack(c, active.expected);
                return;
            }
            SnapshotChunk next = c.offset() == active.expected ? c : null;
            while (next != null) {
                active.sink.output().write(next.data());
                active.expected += next.data().length;
                if (next.done()) {
                    Incoming done = active;
                    active = null;
                    SnapshotMeta meta = done.sink.commit();
                    completed = meta;
                    completedBytes = done.expected;
                    // Hand it to the loop before acknowledging, so the leader's next probe finds it installed.
                    onComplete.accept(new Received(done.from, done.term, meta));
                    ack(c, completedBytes);
                    return;
                }
                active.ahead.headMap(active.expected).clear();
                next = active.ahead.remove(active.expected);
            }
            ack(c, active.expected);
        } catch (IOException e) {
            abort();
            onFatal.accept(new IllegalStateException("writing a received snapshot failed; the node must stop: " + e, e));
        }
    }

    private void ack(SnapshotChunk c, long nextOffset) {
        transport.send(new SnapshotAck(self, c.from(), c.term(), c.lastIndex(), nextOffset));
    }

    private void abort() {
        if (active != null) {
            active.sink.close();
            active = null;
        }
    }

    /** Drops a half-received snapshot (the node is closing). */
    public void close() {
        executor.execute(this::abort);
    }
}
