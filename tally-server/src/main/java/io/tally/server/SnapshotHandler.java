package io.tally.server;

import io.tally.kv.Consistency;
import io.tally.kv.KvBackup;
import io.tally.kv.KvService;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/snapshot}: a backup of the store ({@link KvBackup}) — a consistent point-in-time snapshot with its
 * revision and a checksum. The serving node first learns a read point from the leader and waits until it has applied
 * that far (so the backup holds every write acknowledged before the request; {@code ?consistency=stale} skips that),
 * then takes a Raft snapshot of itself and streams it. The
 * file is read on a thread of its own, never on the event loop, and only as fast as the client takes it.
 */
final class SnapshotHandler implements Handler {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotHandler.class);
    static final String TYPE = "application/octet-stream";
    private static final int CHUNK = 1 << 16;

    private final KvService kv;
    private final ViaLeader via;
    private final SnapshotStore snapshots;

    SnapshotHandler(KvService kv, ViaLeader via, SnapshotStore snapshots) {
        this.kv = kv;
        this.via = via;
        this.snapshots = snapshots;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        Consistency c = KvItemHandler.consistency(ex);
        CompletableFuture<Long> point = c == Consistency.STALE ? CompletableFuture.completedFuture(0L) : readPoint(ex, c);
        CompletableFuture<SnapshotMeta> taken = point.thenCompose(revision -> applied(ex, revision))
                .thenCompose(x -> kv.node().snapshot());
        return ex.then(taken, Outcomes.GRACE_MILLIS, (meta, failure) -> {
            if (failure != null) {
                throw failure instanceof HttpError e ? e : Outcomes.ofRead(ex, failure);
            }
            return Reply.streaming(TYPE, Map.of("Content-Disposition", "attachment; filename=\"tally-" + meta.lastIndex()
                    + ".tbak\""), new Download(meta));
        });
    }

    /**
     * The revision a backup must include: the leader's, after ReadIndex (thesis §6.4). A follower asks the leader for
     * it with a tiny read ({@code count} of the empty prefix) and takes its {@value KvJson#INDEX_HEADER}.
     */
    private CompletableFuture<Long> readPoint(Exchange ex, Consistency c) {
        return via.serveAs(ex, "/v1/kv?prefix=&count=true&consistency=" + c.name().toLowerCase(java.util.Locale.ROOT),
                () -> ex.then(kv.read(c, ex.remaining()), Outcomes.GRACE_MILLIS, (view, failure) -> {
                    if (failure != null) {
                        throw Outcomes.ofRead(ex, failure);
                    }
                    return Reply.json(200, Map.of()).withHeader(KvJson.INDEX_HEADER, Long.toString(view.revision()));
                })).thenApply(reply -> {
                    String index = reply.headers().get(KvJson.INDEX_HEADER);
                    if (reply.status() != 200 || index == null) {
                        throw new java.util.concurrent.CompletionException(HttpError.noLeader(
                                "the leader did not confirm a read point: " + reply.status()));
                    }
                    return Long.parseLong(index);
                });
    }

    /** Completes once this node has applied up to {@code revision}, checking every few milliseconds on the loop. */
    private CompletableFuture<Void> applied(Exchange ex, long revision) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (kv.store().appliedIndex() >= revision) {
                    done.complete(null);
                } else if (ex.expired()) {
                    done.completeExceptionally(HttpError.noLeader("this node did not catch up with revision " + revision
                            + " within " + ex.timeout.toMillis() + " ms"));
                } else {
                    ex.loop().schedule(this, 5, TimeUnit.MILLISECONDS);
                }
            }
        };
        ex.onLoop(check, done);
        return done;
    }

    /** Streams one backup from a reader thread, chunk by chunk, waiting while the client does not keep up. */
    private final class Download implements ResponseStream {
        private final SnapshotMeta meta;
        private final Semaphore writable = new Semaphore(0);
        private volatile boolean cancelled;

        Download(SnapshotMeta meta) {
            this.meta = meta;
        }

        @Override
        public void start(Sink sink) {
            sink.onWritabilityChanged(() -> {
                if (sink.writable()) {
                    writable.release();
                }
            });
            Thread t = new Thread(() -> pump(sink), "tally-backup-" + meta.lastIndex());
            t.setDaemon(true);
            t.start();
        }

        private void pump(Sink sink) {
            try (InputStream in = snapshots.open(meta)) {
                KvBackup.write(in, meta.sizeBytes(), new OutputStream() {
                    private final byte[] buf = new byte[CHUNK];
                    private int n;

                    @Override
                    public void write(int b) throws IOException {
                        buf[n++] = (byte) b;
                        if (n == buf.length) {
                            flush();
                        }
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        while (len > 0) {
                            int k = Math.min(len, buf.length - n);
                            System.arraycopy(b, off, buf, n, k);
                            n += k;
                            off += k;
                            len -= k;
                            if (n == buf.length) {
                                flush();
                            }
                        }
                    }

                    @Override
                    public void flush() throws IOException {
                        if (n > 0) {
                            send(sink, Arrays.copyOf(buf, n));
                            n = 0;
                        }
                    }
                });
                sink.loop().execute(sink::end);
            } catch (IOException | RuntimeException e) {
                if (!cancelled) {
                    LOG.warn("backup download of snapshot {} failed: {}", meta.lastIndex(), e.toString());
                }
                // The body is cut short: the client's checksum check fails, as it must.
                sink.loop().execute(sink::end);
            }
        }

        private void send(Sink sink, byte[] chunk) throws IOException {
            if (cancelled) {
                throw new IOException("the client left");
            }
            CompletableFuture<Boolean> sent = new CompletableFuture<>();
            sink.loop().execute(() -> {
                sink.write(chunk);
                sent.complete(sink.writable());
            });
            try {
                if (!sent.get(1, TimeUnit.MINUTES)) {
                    while (!cancelled && !writable.tryAcquire(1, TimeUnit.SECONDS)) {
                        // the client is slow: wait for the channel to drain
                    }
                }
            } catch (Exception e) {
                throw new IOException("the connection stalled", e);
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            writable.release();
        }
    }
}
