package io.tally.raft.core;

/**
 * The answer to a read request ({@link RaftCore#readIndex}, {@link RaftCore#leaseRead}): once the state
 * machine has applied up to {@code index}, reading it is linearizable. {@code index < 0} means the node
 * cannot serve the read (it is not the leader, or lost leadership before confirming it).
 */
public record ReadState(long requestId, long index) {

    public boolean ok() {
        return index >= 0;
    }
}
