package io.tally.testkit.sim;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.transport.Transport;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The {@link Transport} of one node incarnation on a {@link SimNetwork}. Once the incarnation is dead
 * or the transport is closed it neither sends nor receives.
 */
public final class SimTransport implements Transport {

    private final SimNetwork network;
    final SimNetwork.Node node;
    final NodeIncarnation incarnation;
    Consumer<RaftMessage> handler;
    boolean closed;

    SimTransport(SimNetwork network, SimNetwork.Node node, NodeIncarnation incarnation) {
        this.network = network;
        this.node = node;
        this.incarnation = incarnation;
    }

    public NodeIncarnation incarnation() {
        return incarnation;
    }

    @Override
    public void start(Consumer<RaftMessage> inbound) {
        Objects.requireNonNull(inbound, "inbound");
        if (handler != null) {
            throw new IllegalStateException("transport of " + incarnation + " already started");
        }
        handler = inbound;
    }

    /**
     * Sends {@code message} (whose sender must be this node) unless this incarnation is dead or the
     * transport closed, in which case the message is silently dropped.
     */
    @Override
    public void send(RaftMessage message) {
        if (closed || !incarnation.isAlive()) {
            return;
        }
        if (!node.id.equals(message.from())) {
            throw new IllegalArgumentException("node " + node.id + " sending a message from " + message.from()
                    + ": " + message);
        }
        network.send(this, message);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "SimTransport{" + incarnation + (closed ? ", closed" : "") + "}";
    }
}
