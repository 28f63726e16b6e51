package io.tally.raft.transport;

import io.tally.raft.model.Configuration;
import io.tally.raft.message.RaftMessage;

import java.util.function.Consumer;

/**
 * Carries {@link RaftMessage}s between nodes. Delivery is best effort: messages may be lost, delayed,
 * duplicated or reordered, and Raft tolerates all of it. {@link #send} never blocks on the network.
 */
public interface Transport extends AutoCloseable {

    /** Starts delivering inbound messages addressed to this node; the handler must not block. */
    void start(Consumer<RaftMessage> inbound);

    /** Sends asynchronously, best effort, to {@code message.to()}. */
    void send(RaftMessage message);

    /** Told whenever the node's latest configuration changes, so it can resolve member addresses. */
    default void configurationChanged(Configuration configuration) {
    }

    @Override
    void close();
}
