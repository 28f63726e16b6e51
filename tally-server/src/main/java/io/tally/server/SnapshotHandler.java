package io.tally.server;

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
 * revision and a checksum. The serving node first confirms a read point (so the backup holds every write acknowledged
 * before the request; {@code ?consistency=stale} skips that), then takes a Raft snapshot of itself and streams it. The
 * file is read on a thread of its own, never on the event loop, and only as fast as the client takes it.
 */
final class SnapshotHandler implements Handler {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotHandler.class);
    static final String TYPE = "application/octet-stream";
    private static final int CHUNK = 1 << 16;

    private final KvService kv;
    private final SnapshotStore snapshots;

    SnapshotHandler(KvService kv, SnapshotStore snapshots) {
        this.kv = kv;
        this.snapshots = snapshots;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        var c = KvItemHandler.consistency(ex);
        CompletableFuture<Long> point = c == io.tally.kv.Consistency.STALE
                ? CompletableFuture.completedFuture(0L) : kv.node().readIndex(ex.remaining());
        return ex.then(point.thenCompose(i -> kv.node().snapshot()), Outcomes.GRACE_MILLIS, (meta, failure) -> {
            if (failure != null) {
                throw Outcomes.ofRead(ex, failure);
            }
            return Reply.streaming(TYPE, Map.of("Content-Disposition", "attachment; filename=\"tally-" + meta.lastIndex()
                    + ".tbak\""), new Download(meta));
        });
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
