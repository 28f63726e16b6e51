package io.tally.raft.node;

import io.tally.raft.NodeClosedException;
import io.tally.raft.OverloadedException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every caller's future the node has handed out and not yet completed — proposals, barriers, reads, membership
 * changes, transfers, snapshots, bootstraps — with two jobs:
 *
 * <ul>
 *   <li><b>Admission</b> (back-pressure): at most {@code maxRequests} of them, holding at most {@code maxBytes} of
 *       commands, are outstanding at once. One beyond fails at once with {@link OverloadedException}, before it reaches
 *       any queue: so the Raft loop's inbox, the proposals awaiting commit and the apply queue hold a bounded number of
 *       requests, and a caller that floods {@code apply()} cannot grow memory without limit.</li>
 *   <li><b>Completion at close</b>: {@link #closeAll} fails every one still outstanding with the given
 *       {@link NodeClosedException} — whatever queue it sits in, including a confirmed read parked until the applier
 *       reaches its index — and every request admitted afterwards fails at once. So every future completes: with its
 *       result, its error, its timeout, or {@code NodeClosedException}.</li>
 * </ul>
 *
 * Thread-safe: callers admit from any thread; a future leaves when it completes, on whatever thread completes it.
 */
final class PendingRequests {

    private final int maxRequests;
    private final long maxBytes;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final Set<CompletableFuture<?>> outstanding = ConcurrentHashMap.newKeySet();
    private volatile NodeClosedException closedWith;

    public PendingRequests(int maxRequests, long maxBytes) {
        if (maxRequests < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("pending-request limits must be positive");
        }
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    /**
     * Admits {@code f}, a request carrying {@code size} bytes of command. Returns false when it was refused — then
     * {@code f} has already failed, with {@link OverloadedException} or, once the node is closed,
     * {@link NodeClosedException} — and the caller must not queue it.
     */
    public boolean admit(CompletableFuture<?> f, long size) {
        NodeClosedException closed = closedWith;
        if (closed != null) {
            f.completeExceptionally(closed);
            return false;
        }
        int n = count.incrementAndGet();
        long b = bytes.addAndGet(size);
        if (n > maxRequests || (b > maxBytes && n > 1)) { // one request alone may exceed the byte limit
            count.decrementAndGet();
            bytes.addAndGet(-size);
            f.completeExceptionally(new OverloadedException("the node holds " + (n - 1) + " requests (" + (b - size)
                    + " bytes) already, its limit is " + maxRequests + " requests and " + maxBytes
                    + " bytes; nothing was done, retry later"));
            return false;
        }
        outstanding.add(f);
        f.whenComplete((r, e) -> {
            if (outstanding.remove(f)) {
                count.decrementAndGet();
                bytes.addAndGet(-size);
            }
        });
        if (closedWith != null) {
            f.completeExceptionally(closedWith); // closeAll ran between the check above and the add
            return false;
        }
        return true;
    }

    /** Requests outstanding now. */
    public int count() {
        return count.get();
    }

    /** Fails every outstanding request with {@code reason}, and every later one at admission. Idempotent. */
    public void closeAll(NodeClosedException reason) {
        if (closedWith == null) {
            closedWith = reason;
        }
        List<CompletableFuture<?>> all = new ArrayList<>(outstanding);
        for (CompletableFuture<?> f : all) {
            f.completeExceptionally(closedWith);
        }
    }
}
