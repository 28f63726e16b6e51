package io.tally.raft.node;

import io.tally.raft.model.Entry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The loop's side of its callers' requests: which future waits for which answer of the core. Proposals wait by log
 * index (and term: a later leader may overwrite the entry), reads and administration by the request id the loop
 * gave the core, bootstraps for the persist of the batch they are in. Loop thread only, except {@link #bootstraps}.
 *
 * @param <R> the state machine's result type
 */
final class LoopRequests<R> {

    /** Proposals appended to the log and not yet committed or lost, by log index. */
    private final Map<Long, PendingOp<R>> proposals = new HashMap<>();
    /** Reads handed to the core and not yet answered, by request id. */
    private final Map<Long, CompletableFuture<Long>> reads = new HashMap<>();
    private long readSeq;
    /** Membership changes and leadership transfers handed to the core and not yet answered, by request id. */
    private final Map<Long, CompletableFuture<?>> admin = new HashMap<>();
    private long adminSeq;
    /** Bootstrap futures to complete once the current batch is durable. */
    private final List<CompletableFuture<Void>> awaitingPersist = new ArrayList<>();
    /** Every bootstrap future, so that shutdown can fail the unfinished ones (completing twice is a no-op). */
    private final List<CompletableFuture<?>> bootstraps = new CopyOnWriteArrayList<>();

    /** {@code op} was appended to the log as entry ({@code index}, {@code term}). */
    void proposed(long index, long term, PendingOp<R> op) {
        proposals.put(index, op.proposedAs(term));
    }

    boolean hasProposals() {
        return !proposals.isEmpty();
    }

    /**
     * The proposals among {@code committed}, in index order, with their index; those whose entry was overwritten by a
     * later leader's (another term at that index) go to {@code superseded}.
     */
    List<PendingOp<R>> takeCommitted(List<Entry> committed, List<PendingOp<R>> superseded) {
        if (proposals.isEmpty()) {
            return List.of();
        }
        List<PendingOp<R>> ops = new ArrayList<>();
        for (Entry e : committed) {
            PendingOp<R> op = proposals.remove(e.index());
            if (op == null) {
                continue;
            }
            if (op.term() == e.term()) {
                ops.add(op.at(e.index()));
            } else {
                superseded.add(op);
            }
        }
        return ops;
    }

    /** Every proposal still waiting (leadership was lost: their outcome is unknown). */
    List<PendingOp<R>> takeAllProposals() {
        List<PendingOp<R>> all = new ArrayList<>(proposals.values());
        proposals.clear();
        return all;
    }

    long read(CompletableFuture<Long> f) {
        long id = ++readSeq;
        reads.put(id, f);
        return id;
    }

    CompletableFuture<Long> takeRead(long id) {
        return reads.remove(id);
    }

    long admin(CompletableFuture<?> f) {
        long id = ++adminSeq;
        admin.put(id, f);
        return id;
    }

    CompletableFuture<?> takeAdmin(long id) {
        return admin.remove(id);
    }

    void bootstrap(CompletableFuture<Void> f) {
        bootstraps.add(f);
        awaitingPersist.add(f);
    }

    boolean awaitingPersist() {
        return !awaitingPersist.isEmpty();
    }

    /** The bootstraps whose entry is in the batch being handed to the writer now. */
    List<CompletableFuture<Void>> takeAwaitingPersist() {
        List<CompletableFuture<Void>> all = new ArrayList<>(awaitingPersist);
        awaitingPersist.clear();
        return all;
    }

    /** At shutdown: everything still waiting goes to {@code abandoned}. */
    void abandonAll(Abandoned abandoned) {
        proposals.values().forEach(abandoned::op);
        proposals.clear();
        bootstraps.forEach(abandoned::future);
        reads.values().forEach(abandoned::future);
        reads.clear();
        admin.values().forEach(abandoned::future);
        admin.clear();
    }
}
