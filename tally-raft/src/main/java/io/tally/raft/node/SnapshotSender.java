package io.tally.raft.node;

import io.tally.raft.RaftConfig;
import io.tally.raft.model.ConfigurationCodec;
import io.tally.raft.message.SnapshotAck;
import io.tally.raft.message.SnapshotChunk;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.SerialExecutor;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.transport.Transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's half of InstallSnapshot (§7): streams the latest snapshot to a follower in chunks, at most
 * {@code windowChunks} unacknowledged at a time (bounded memory, flow control), resending after a silence
 * and resuming from whatever offset the follower says it holds. Runs on the node's snapshot executor, which
 * owns all of its state; never on the Raft loop.
 */
final class SnapshotSender {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);
    private static final long RESEND_AFTER_MS = 250;
    private static final int MAX_SILENT_ROUNDS = 40;

    private final String self;
    private final SerialExecutor executor;
    private final RaftRuntime runtime;
    private final SnapshotStore store;
    private final Transport transport;
    private final RaftConfig.SnapshotPolicy policy;
    /** Reports each transfer's end. */
    private final DoneListener onDone;

    /** Told when a transfer ends: the snapshot's last index, and whether the follower holds all of it. */
    public interface DoneListener {
        void done(String peer, long lastIndex, boolean ok);
    }
    private final Map<String, Transfer> transfers = new HashMap<>();

    public SnapshotSender(String self, SerialExecutor executor, RaftRuntime runtime, SnapshotStore store, Transport transport,
                          RaftConfig.SnapshotPolicy policy, DoneListener onDone) {
        this.self = self;
        this.executor = executor;
        this.runtime = runtime;
        this.store = store;
        this.transport = transport;
        this.policy = policy;
        this.onDone = onDone;
    }

    /** Starts streaming the latest snapshot to {@code peer} as leader of {@code term}, unless already doing so. */
    public void start(String peer, long term) {
        start(peer, term, 0);
    }

    /**
     * As {@link #start(String, long)}, at no more than {@code bytesPerSecond} (0: as fast as the window allows):
     * a snapshot for a member being caught up is paced like its log entries, so that it does not starve the voters.
     */
    public void start(String peer, long term, long bytesPerSecond) {
        executor.execute(() -> begin(peer, term, bytesPerSecond));
    }

    public void onAck(SnapshotAck ack) {
        executor.execute(() -> handleAck(ack));
    }

    /** Leadership ended: abandon every transfer. */
    public void cancelAll() {
        executor.execute(() -> {
            for (Transfer t : transfers.values()) {
                t.close();
            }
            transfers.clear();
        });
    }

    private final class Transfer {
        final String peer;
        final long term;
        final SnapshotMeta meta;
        final byte[] configuration;
        final ArrayDeque<SnapshotChunk> unacked = new ArrayDeque<>();
        /** Pacing: at most this many bytes per second (0: unpaced), counted from {@link #pacedSinceNanos}. */
        final long bytesPerSecond;
        final long pacedSinceNanos;
        long pacedBytes;
        boolean refillScheduled;
        InputStream in;
        long nextOffset;
        boolean allRead;
        int silentRounds;
        long generation;
        long lastAckOffset = -1;
        int duplicateAcks;
        RaftRuntime.Cancellable timer;

        Transfer(String peer, long term, SnapshotMeta meta, long bytesPerSecond, long now) {
            this.peer = peer;
            this.term = term;
            this.meta = meta;
            this.bytesPerSecond = bytesPerSecond;
            this.pacedSinceNanos = now;
            this.configuration = ConfigurationCodec.encode(meta.configuration());
        }

        void close() {
            if (timer != null) {
                timer.cancel();
            }
            try {
                if (in != null) {
                    in.close();
                }
            } catch (IOException e) {
                LOG.debug("closing snapshot stream", e);
            }
        }
    }

    private void begin(String peer, long term, long bytesPerSecond) {
        if (transfers.containsKey(peer)) {
            return;
        }
        try {
            Optional<SnapshotMeta> latest = store.latest();
            if (latest.isEmpty()) {
                throw new IOException("no snapshot to send");
            }
            Transfer t = new Transfer(peer, term, latest.get(), bytesPerSecond, runtime.nanoTime());
            transfers.put(peer, t);
            openAt(t, 0);
            fill(t);
            arm(t);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot send a snapshot to {}: {}", self, peer, e.toString());
            finish(peer, false);
        }
    }

    private void openAt(Transfer t, long offset) throws IOException {
        if (t.in != null) {
            t.in.close();
        }
        t.in = store.open(t.meta);
        long skipped = t.in.skip(offset);
        if (skipped != offset) {
            throw new IOException("snapshot shorter than offset " + offset);
        }
        t.nextOffset = offset;
        t.allRead = false;
        t.unacked.clear();
    }

    /** Sends chunks until the window is full or the snapshot is all sent. */
    private void fill(Transfer t) throws IOException {
        long size = t.meta.sizeBytes();
        while (t.unacked.size() < policy.windowChunks() && !t.allRead) {
            if (t.bytesPerSecond > 0) {
                long allowed = (runtime.nanoTime() - t.pacedSinceNanos) / 1000 * t.bytesPerSecond / 1_000_000 + policy.chunkBytes();
                if (t.pacedBytes >= allowed) {
                    schedulePacedFill(t, t.pacedBytes - allowed);
                    return;
                }
            }
            byte[] data = t.in.readNBytes((int) Math.min(policy.chunkBytes(), size - t.nextOffset));
            boolean done = t.nextOffset + data.length >= size;
            if (data.length == 0 && !done) {
                throw new IOException("snapshot ended at " + t.nextOffset + " of " + size + " bytes");
            }
            SnapshotChunk c = new SnapshotChunk(self, t.peer, t.term, t.meta.lastIndex(), t.meta.lastTerm(), t.nextOffset,
                    data, done, t.configuration);
            transport.send(c);
            t.unacked.addLast(c);
            t.pacedBytes += data.length;
            t.nextOffset += data.length;
            t.allRead = done;
        }
    }

    /** Sends on once the pace allows {@code overBytes} more (at least a millisecond from now). */
    private void schedulePacedFill(Transfer t, long overBytes) {
        if (t.refillScheduled) {
            return;
        }
        t.refillScheduled = true;
        long delayMicros = Math.max(1000, (overBytes + 1) * 1_000_000 / t.bytesPerSecond);
        runtime.schedule(delayMicros, TimeUnit.MICROSECONDS, () -> executor.execute(() -> {
            t.refillScheduled = false;
            if (transfers.get(t.peer) != t) {
                return;
            }
            try {
                fill(t);
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: snapshot transfer to {} failed: {}", self, t.peer, e.toString());
                finish(t.peer, false);
            }
        }));
    }

    private void handleAck(SnapshotAck a) {
        Transfer t = transfers.get(a.from());
        if (t == null || a.lastIndex() != t.meta.lastIndex() || a.term() != t.term) {
            return;
        }
        try {
            if (a.nextOffset() >= t.meta.sizeBytes()) {
                finish(t.peer, true); // the follower holds all of it (perhaps from an earlier transfer)
                return;
            }
            long firstUnacked = t.unacked.isEmpty() ? t.nextOffset : t.unacked.peekFirst().offset();
            if (a.nextOffset() < firstUnacked) {
                if (a.nextOffset() != 0) {
                    return; // an older acknowledgement, overtaken by a newer one (the network reorders)
                }
                openAt(t, 0); // the follower does not hold the snapshot's start (it restarted): from the top
            } else {
                while (!t.unacked.isEmpty() && t.unacked.peekFirst().offset() + t.unacked.peekFirst().data().length <= a.nextOffset()) {
                    t.unacked.pollFirst();
                }
                // Fast retransmit: the follower keeps asking for the same offset, so that chunk was lost.
                t.duplicateAcks = a.nextOffset() == t.lastAckOffset ? t.duplicateAcks + 1 : 0;
                t.lastAckOffset = a.nextOffset();
                if (t.duplicateAcks == 1 && !t.unacked.isEmpty() && t.unacked.peekFirst().offset() == a.nextOffset()) {
                    transport.send(t.unacked.peekFirst());
                }
            }
            t.silentRounds = 0;
            fill(t);
            arm(t);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: snapshot transfer to {} failed: {}", self, t.peer, e.toString());
            finish(t.peer, false);
        }
    }

    private void arm(Transfer t) {
        if (t.timer != null) {
            t.timer.cancel();
        }
        long generation = ++t.generation;
        t.timer = runtime.schedule(RESEND_AFTER_MS, TimeUnit.MILLISECONDS, () -> executor.execute(() -> onSilence(t, generation)));
    }

    private void onSilence(Transfer t, long generation) {
        if (transfers.get(t.peer) != t || t.generation != generation) {
            return;
        }
        if (++t.silentRounds > MAX_SILENT_ROUNDS) {
            LOG.warn("{}: {} stopped acknowledging snapshot chunks; giving up", self, t.peer);
            finish(t.peer, false);
            return;
        }
        for (SnapshotChunk c : t.unacked) {
            transport.send(c);
        }
        arm(t);
    }

    private void finish(String peer, boolean ok) {
        Transfer t = transfers.remove(peer);
        if (t != null) {
            t.close();
        }
        onDone.done(peer, t == null ? 0 : t.meta.lastIndex(), ok);
    }
}
