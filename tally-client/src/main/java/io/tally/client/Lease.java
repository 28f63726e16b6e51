package io.tally.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A lease kept alive in the background ({@link TallyClient#newLease(Duration)}, {@link TallyClient#keepAlive(long)}):
 * a keep-alive goes out every third of its TTL, retried across the nodes while it fails, until the handle is closed.
 * Attach keys to it with {@link TallyClient#put(String, byte[], Lease)}; they go when the lease does.
 *
 * <p>{@link #lost()} completes when the lease is gone or may be: the cluster answered that it does not hold it
 * (expired or revoked), or no keep-alive succeeded within one TTL of the moment the last successful one was sent (the
 * leader counts the TTL from when it renewed, which is later, so the lease lives at least that long). A holder of
 * something the lease guards (a lock, a leadership) must stop acting on it then. Once lost, the handle stops.
 *
 * <p>{@link #close()} stops the keep-alives, and the lease then expires after its TTL; {@link #revoke()} ends it at
 * once, deleting its keys. Keep-alives run on the client's I/O threads and hold no thread of their own.
 */
public final class Lease implements AutoCloseable {

    /** The least pause between keep-alives, and after a failed one. */
    private static final long MIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final TallyClient client;
    private final HttpTransport transport;
    private final long id;
    private final CompletableFuture<LeaseLostException> lost = new CompletableFuture<>();
    private volatile Duration ttl;
    /** Until when the lease surely lives: the send time of the last successful keep-alive + TTL (nanoTime). */
    private volatile long validUntil;
    private volatile boolean closed;

    Lease(TallyClient client, HttpTransport transport, long id, Duration ttl, long validUntil) {
        this.client = client;
        this.transport = transport;
        this.id = id;
        this.ttl = ttl;
        this.validUntil = validUntil;
    }

    /** Starts the keep-alives: the first at once when {@code now} is set, else after a third of the TTL. */
    void start(boolean now) {
        schedule(now ? 0 : ttl.toNanos() / 3);
        watchDeadline();
    }

    public long id() {
        return id;
    }

    /** The lease's TTL, as the cluster last answered it. */
    public Duration ttl() {
        return ttl;
    }

    /**
     * Completes with the reason when the lease is lost or may be (see the class comment); never completes while the
     * keep-alives succeed; cancelled when the handle is closed first.
     */
    public CompletableFuture<LeaseLostException> lost() {
        return lost;
    }

    /** Whether keep-alives still run: not closed, not lost. */
    public boolean isKeptAlive() {
        return !closed && !lost.isDone();
    }

    /** Stops the keep-alives and revokes the lease, deleting its keys. */
    public LeaseRevoked revoke() {
        close();
        return client.revokeLease(id);
    }

    /** Stops the keep-alives; the lease expires after its TTL unless kept alive elsewhere. */
    @Override
    public void close() {
        closed = true;
        lost.cancel(false);
    }

    private void schedule(long delayNanos) {
        if (isKeptAlive()) {
            transport.schedule(this::keepAlive, Math.max(delayNanos, MIN_PAUSE_NANOS));
        }
    }

    private void keepAlive() {
        if (transport.closed()) {
            close(); // the client was closed: so are its leases' keep-alives
        }
        if (!isKeptAlive()) {
            return;
        }
        long sent = System.nanoTime();
        long left = validUntil - sent;
        // One try chain of at most a third of the TTL, and never past the moment the lease may expire.
        long budget = Math.max(MIN_PAUSE_NANOS, Math.min(ttl.toNanos() / 3, left));
        client.keepAliveOnceAsync(id, Duration.ofNanos(budget)).whenComplete((newTtl, e) -> {
            if (e == null) {
                ttl = newTtl;
                validUntil = sent + newTtl.toNanos();
                schedule(newTtl.toNanos() / 3 - (System.nanoTime() - sent));
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof LeaseNotFoundException) {
                lose(true, "the cluster holds no lease " + id + " (it expired or was revoked)", cause);
            } else if (cause instanceof TallyException t && "client-closed".equals(t.code())) {
                close();
            } else if (System.nanoTime() - validUntil >= 0) {
                lose(false, "no keep-alive of lease " + id + " succeeded within its TTL of " + ttl.toMillis()
                        + " ms: it may have expired", cause);
            } else {
                schedule(MIN_PAUSE_NANOS);
            }
        });
    }

    /** Reports the loss once the lease may have expired even while a keep-alive is still on its way. */
    private void watchDeadline() {
        if (transport.closed()) {
            close();
        }
        if (!isKeptAlive()) {
            return;
        }
        long left = validUntil - System.nanoTime();
        if (left <= 0) {
            lose(false, "no keep-alive of lease " + id + " succeeded within its TTL of " + ttl.toMillis()
                    + " ms: it may have expired", null);
            return;
        }
        transport.schedule(this::watchDeadline, left);
    }

    private void lose(boolean expired, String why, Throwable cause) {
        if (!closed) {
            lost.complete(new LeaseLostException(id, expired, why, cause));
        }
    }

    @Override
    public String toString() {
        return "Lease[" + id + ", ttl " + ttl.toMillis() + " ms" + (isKeptAlive() ? "" : ", stopped") + "]";
    }
}
