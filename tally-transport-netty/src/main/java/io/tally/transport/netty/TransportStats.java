package io.tally.transport.netty;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of a {@link NettyTransport}, for tests, logs and metrics. All monotonic. */
public final class TransportStats {

    final AtomicLong messagesSent = new AtomicLong();
    final AtomicLong messagesReceived = new AtomicLong();
    final AtomicLong messagesDropped = new AtomicLong();
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong connectionsAccepted = new AtomicLong();
    final AtomicLong connectionsRejected = new AtomicLong();
    final AtomicLong connectsAttempted = new AtomicLong();

    /** Raft messages handed to the network. */
    public long messagesSent() {
        return messagesSent.get();
    }

    /** Raft messages decoded, validated and delivered to the node. */
    public long messagesReceived() {
        return messagesReceived.get();
    }

    /** Raft messages dropped because a peer was unreachable or its queue was full (Raft resends). */
    public long messagesDropped() {
        return messagesDropped.get();
    }

    public long bytesSent() {
        return bytesSent.get();
    }

    /** Inbound connections that completed a valid handshake. */
    public long connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /** Inbound connections closed for bad input: unparsable, oversized, wrong cluster or version, stalled. */
    public long connectionsRejected() {
        return connectionsRejected.get();
    }

    /** Outbound connection attempts. */
    public long connectsAttempted() {
        return connectsAttempted.get();
    }
}
