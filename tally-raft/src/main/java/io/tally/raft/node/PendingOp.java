package io.tally.raft.node;

import io.tally.raft.model.EntryType;

import java.util.concurrent.CompletableFuture;

/**
 * A caller's request travelling through the node: what to propose, the future to complete, and once
 * proposed the term (and once committed the index) it was assigned.
 *
 * @param <R> the state machine's result type
 */
final class PendingOp<R> {

    private final EntryType type;
    private final byte[] data;
    private final CompletableFuture<?> future;
    private final long term;
    private final long index;

    public PendingOp(EntryType type, byte[] data, CompletableFuture<R> future) {
        this(type, data, future, 0, 0);
    }

    private PendingOp(EntryType type, byte[] data, CompletableFuture<?> future, long term, long index) {
        this.type = type;
        this.data = data;
        this.future = future;
        this.term = term;
        this.index = index;
    }

    /** A barrier; its future completes with the barrier's log index. */
    public static <R> PendingOp<R> barrier(CompletableFuture<Long> future) {
        return new PendingOp<>(EntryType.BARRIER, null, future, 0, 0);
    }

    public PendingOp<R> proposedAs(long t) {
        return new PendingOp<>(type, data, future, t, index);
    }

    public PendingOp<R> at(long i) {
        return new PendingOp<>(type, data, future, term, i);
    }

    public EntryType type() {
        return type;
    }

    public byte[] data() {
        return data;
    }

    public CompletableFuture<?> future() {
        return future;
    }

    public long term() {
        return term;
    }

    public long index() {
        return index;
    }

    @SuppressWarnings("unchecked")
    void complete(Object result) {
        ((CompletableFuture<Object>) future).complete(result);
    }

    public void fail(Throwable t) {
        future.completeExceptionally(t);
    }
}
