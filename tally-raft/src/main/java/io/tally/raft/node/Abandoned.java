package io.tally.raft.node;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the node still owes its callers when it closes, collected from the loop's bookkeeping and from the events it
 * will not handle, so that they can all be failed at once, on the apply thread, in one task.
 */
final class Abandoned {

    final List<PendingOp<?>> ops = new ArrayList<>();
    final List<CompletableFuture<?>> futures = new ArrayList<>();

    void op(PendingOp<?> op) {
        ops.add(op);
    }

    void future(CompletableFuture<?> f) {
        futures.add(f);
    }
}
