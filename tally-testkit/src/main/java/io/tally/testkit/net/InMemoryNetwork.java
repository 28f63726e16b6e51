package io.tally.testkit.net;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.transport.Transport;
import io.tally.wire.MessageCodec;
import io.tally.wire.WireFormatException;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-process network for nodes running on real threads: messages are encoded and decoded with the wire codec of
 * the TCP transport ({@link MessageCodec}; nodes never share objects) and handed straight to the receiver's inbound
 * handler. Nodes can be disconnected (no
 * traffic to or from them) to inject partitions. Thread-safe.
 */
public final class InMemoryNetwork {

    private final Map<String, InMemoryTransport> endpoints = new ConcurrentHashMap<>();
    private final Set<String> disconnected = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> requestsReceived = new ConcurrentHashMap<>();
    private final AtomicLong bytesSent = new AtomicLong();

    /** A transport for {@code nodeId}; replaces an earlier one for the same id (a restarted node). */
    public Transport transport(String nodeId) {
        InMemoryTransport t = new InMemoryTransport(nodeId);
        endpoints.put(nodeId, t);
        return t;
    }

    public void disconnect(String nodeId) {
        disconnected.add(nodeId);
    }

    public void connect(String nodeId) {
        disconnected.remove(nodeId);
    }

    public boolean isConnected(String nodeId) {
        return !disconnected.contains(nodeId);
    }

    /** Requests (not responses) delivered to {@code nodeId}. */
    public long requestsReceived(String nodeId) {
        AtomicLong c = requestsReceived.get(nodeId);
        return c == null ? 0 : c.get();
    }

    public long requestsTotal() {
        long n = 0;
        for (AtomicLong c : requestsReceived.values()) {
            n += c.get();
        }
        return n;
    }

    public long bytesTotal() {
        return bytesSent.get();
    }

    private void deliver(InMemoryTransport sender, RaftMessage m) {
        if (disconnected.contains(m.from()) || disconnected.contains(m.to())) {
            return;
        }
        InMemoryTransport target = endpoints.get(m.to());
        if (target == null) {
            return;
        }
        byte[] frame = MessageCodec.encode(m);
        bytesSent.addAndGet(frame.length);
        RaftMessage decoded;
        try {
            decoded = MessageCodec.decode(frame);
        } catch (WireFormatException e) {
            throw new IllegalStateException("the codec cannot read back what it wrote: " + m, e);
        }
        if (target.deliver(decoded) && !m.isResponse()) {
            requestsReceived.computeIfAbsent(m.to(), k -> new AtomicLong()).incrementAndGet();
        }
    }

    private final class InMemoryTransport implements Transport {

        private final String nodeId;
        private volatile Consumer<RaftMessage> inbound;
        private volatile boolean closed;

        InMemoryTransport(String nodeId) {
            this.nodeId = nodeId;
        }

        @Override
        public void start(Consumer<RaftMessage> handler) {
            this.inbound = handler;
        }

        @Override
        public void send(RaftMessage message) {
            if (!closed && message.from().equals(nodeId)) {
                InMemoryNetwork.this.deliver(this, message);
            }
        }

        boolean deliver(RaftMessage m) {
            Consumer<RaftMessage> h = inbound;
            if (closed || h == null) {
                return false;
            }
            h.accept(m);
            return true;
        }

        @Override
        public void close() {
            closed = true;
            endpoints.remove(nodeId, this);
        }
    }
}
