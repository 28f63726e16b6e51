package io.tally.client;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/snapshot} into an output stream as it arrives ({@link TallyClient#backup}). Until the first byte is
 * written, a node that cannot answer (unreachable, no leader to learn the read point from, stopping) is followed by the
 * next, as any read; once bytes are written, a broken stream fails the download, since they cannot be taken back.
 * The server ends the body even when it fails midway, so only the backup's own checksum tells a whole one: check it
 * ({@code ./tally snapshot status FILE}).
 */
final class BackupDownload implements StreamConnection.Owner {

    private final HttpTransport transport;
    private final OutputStream out;
    private final long deadline;
    private final CompletableFuture<Long> result = new CompletableFuture<>();
    private int endpoint;
    private int tries;
    private long written;
    private boolean opened;
    private boolean finished;
    private Throwable last;

    BackupDownload(HttpTransport transport, OutputStream out, long deadline) {
        this.transport = transport;
        this.out = out;
        this.deadline = deadline;
        this.endpoint = transport.preferred();
    }

    CompletableFuture<Long> start() {
        transport.callStarted();
        result.whenComplete((n, e) -> transport.callEnded());
        attempt();
        return result;
    }

    private void attempt() {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (transport.closed()) {
            result.completeExceptionally(new TallyException(0, "client-closed", "the client is closed", last));
            return;
        }
        if (left <= 0) {
            result.completeExceptionally(new ClusterUnavailableException("no node of " + transport.endpoints()
                    + " could serve the backup within the timeout" + (last == null ? "" : " (last: " + last.getMessage() + ")"), last));
            return;
        }
        int idle = (int) Math.max(60, TimeUnit.MILLISECONDS.toSeconds(left) + 30);
        StreamConnection c = new StreamConnection(transport.endpoints().get(endpoint), this, idle, "application/octet-stream");
        transport.credentialsReady(deadline).whenComplete((x, e) -> {
            if (e == null) {
                c.open(transport, "/v1/snapshot?timeout=" + left + "ms");
            } else {
                result.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e);
            }
        });
    }

    @Override
    public void onOpened(StreamConnection c, HttpHeaders headers) {
        opened = true;
    }

    @Override
    public void onRefused(StreamConnection c, HttpReply reply) {
        String code = Json.code(reply);
        boolean retry = reply.status() == 503 || reply.status() == 504 && "outcome-unknown".equals(code);
        if (retry) {
            last = Json.error(reply);
        } else {
            result.completeExceptionally(Json.error(reply));
        }
    }

    @Override
    public void onData(StreamConnection c, ByteBuf bytes) throws IOException {
        int n = bytes.readableBytes();
        try {
            bytes.readBytes(out, n);
        } catch (IOException e) {
            result.completeExceptionally(new TallyException(0, "client-error", "cannot write the backup: " + e.getMessage(), e));
            throw e;
        }
        written += n;
    }

    @Override
    public void onFinished(StreamConnection c) {
        finished = true;
        try {
            out.flush();
            result.complete(written);
        } catch (IOException e) {
            result.completeExceptionally(new TallyException(0, "client-error", "cannot write the backup: " + e.getMessage(), e));
        }
    }

    @Override
    public void onEnded(StreamConnection c, Throwable cause) {
        if (result.isDone() || finished) {
            return;
        }
        if (opened && written > 0) {
            result.completeExceptionally(new TallyException(0, "backup-cut-short", "the backup from " + c.endpoint
                    + " broke off after " + written + " bytes" + (cause == null ? "" : ": " + cause.getMessage()), cause));
            return;
        }
        if (cause != null) {
            last = cause;
        }
        opened = false;
        int size = transport.endpoints().size();
        endpoint = (endpoint + 1) % size;
        tries++;
        long pause = tries % size != 0 ? 0 : transport.settings.retryPolicy().backoffNanos(tries / size,
                ThreadLocalRandom.current().nextDouble());
        transport.schedule(this::attempt, Math.max(pause, TimeUnit.MILLISECONDS.toNanos(1)));
    }
}
