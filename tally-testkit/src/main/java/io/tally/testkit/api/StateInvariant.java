package io.tally.testkit.api;

import io.tally.raft.StateMachine;

/**
 * A property of your state machine that must hold on every node at every moment, such as "the balances add up to
 * the money the bank was given". The simulator checks it on every running node every 250 ms of virtual time, right
 * after a node restores a snapshot, and at the end of the run; a check sees the state between two applied batches,
 * never in the middle of one. Throw (an {@link AssertionError}, or anything else) to report a violation: the run
 * fails with the message, the node and the seed.
 *
 * @param <S> the state machine type
 */
@FunctionalInterface
public interface StateInvariant<S extends StateMachine<?>> {

    /**
     * Checks {@code stateMachine}, the live instance of node {@code nodeId}. Must not change it.
     *
     * @throws AssertionError (or any exception) when the property does not hold
     */
    void check(String nodeId, S stateMachine);
}
