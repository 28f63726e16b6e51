package io.tally.testkit.api;

import io.tally.raft.StateMachine;

/**
 * Your own code that runs beside each node, as an application embedding Tally runs its service next to its
 * {@code RaftNode} in the same process: a request front end, a lease keeper, a watch hub. Register it with
 * {@link SimulatedCluster.Builder#nodeService}; the cluster calls {@link #started} once for every life of every node,
 * right after that life's {@code RaftNode} has started (and before an initial member is bootstrapped). What the
 * service keeps from one life dies with it: build it again from the {@link NodeLife} you are given, as a restarted
 * process would.
 *
 * @param <S> your state machine type
 * @param <R> its result type
 */
@FunctionalInterface
public interface NodeService<S extends StateMachine<R>, R> {

    /**
     * Node {@code life.index()} has just started a new life. Runs on the simulation's thread, inside
     * {@link SimulatedCluster#start} (or {@code build()}); an exception thrown here propagates out of it, and the
     * node keeps running.
     */
    void started(NodeLife<S, R> life);
}
