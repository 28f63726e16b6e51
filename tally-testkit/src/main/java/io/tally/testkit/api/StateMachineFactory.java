package io.tally.testkit.api;

import io.tally.raft.StateMachine;

/**
 * Makes the state machine of one node's life. The simulator calls it each time a node starts (at the beginning and
 * after every crash), so each life starts from a fresh instance and Raft brings it back from its snapshot and log,
 * as a restarted process would. {@code BankAccounts::new} is a factory when the constructor takes no arguments.
 *
 * @param <S> the state machine type
 */
@FunctionalInterface
public interface StateMachineFactory<S extends StateMachine<?>> {

    /**
     * A fresh state machine for node {@code nodeId} ({@code "n0"}, {@code "n1"}, …). Must not share state with the
     * instances of other nodes or other lives: in production each lives in its own process.
     */
    S create(String nodeId);

    /** A factory that ignores the node id. */
    static <S extends StateMachine<?>> StateMachineFactory<S> of(java.util.function.Supplier<S> supplier) {
        return nodeId -> supplier.get();
    }
}
