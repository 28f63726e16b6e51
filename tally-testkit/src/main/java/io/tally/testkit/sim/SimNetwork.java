package io.tally.testkit.sim;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import io.tally.wire.MessageCodec;
import io.tally.wire.WireFormatException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The simulated network between the nodes of a {@link Simulation}, with the fault model of the MIT
 * 6.824 labrpc package adapted to one-way messages.
 *
 * <p>Each node incarnation gets a {@link SimTransport}. Every message is encoded with the TCP transport's wire
 * codec ({@link MessageCodec}) when sent and decoded when delivered, so nodes never share objects and the simulator
 * runs the codec production runs. A message
 * is dropped if, at send time or again at delivery time, its sender or receiver is
 * {@linkplain #disconnect disconnected}, the link between them is blocked, or the sending incarnation
 * is dead; it is delivered to whichever incarnation of the receiving node is current and alive at
 * delivery time (if that incarnation started its transport).
 *
 * <p>Delays: reliable mode (default) delivers every message after uniform [100µs, 1ms). In unreliable
 * mode 10% of requests and 10% of responses are dropped and requests are delayed uniform [0, 26ms].
 * With long reordering, 2/3 of responses are held back 200 + r(1 + r(2000)) ms. Connectivity is per node
 * id and survives restarts.
 */
public final class SimNetwork {

    private static final long RELIABLE_MIN_NANOS = 100_000L;
    private static final long RELIABLE_SPAN_NANOS = 900_000L;
    private static final long UNRELIABLE_REQUEST_MAX_NANOS = 26_000_000L;
    private static final long MILLI = 1_000_000L;

    private static final int TYPES = 8;
    private static final String[] TYPE_NAMES = {
        "AppendRequest", "AppendResponse", "Heartbeat", "HeartbeatResponse",
        "VoteRequest", "VoteResponse", "TimeoutNow", null,
    };

    private final Simulation sim;
    private final RandomGenerator random;
    private final Map<String, Node> nodes = new HashMap<>();
    private final List<Node> nodeList = new ArrayList<>();
    private boolean reliable = true;
    private boolean longReordering;
    private boolean isolateNewNodes;
    private long bytesTotal;
    private long rpcTotal;
    private long messagesSent;
    private long messagesDelivered;
    private long messagesDropped;

    public SimNetwork(Simulation sim) {
        this.sim = Objects.requireNonNull(sim, "sim");
        this.random = sim.random();
    }

    /**
     * The transport of {@code incarnation}. It replaces any earlier incarnation's endpoint for that node
     * id; an incarnation older than the current endpoint's is refused.
     */
    public SimTransport transport(NodeIncarnation incarnation) {
        Node node = node(incarnation.nodeId());
        SimTransport current = node.endpoint;
        if (current != null && current.incarnation.number() > incarnation.number()) {
            throw new IllegalStateException("incarnation " + incarnation + " is older than the current "
                    + current.incarnation);
        }
        if (current != null && current.incarnation == incarnation) {
            return current;
        }
        SimTransport t = new SimTransport(this, node, incarnation);
        node.endpoint = t;
        return t;
    }

    // ---------------------------------------------------------------- fault controls

    /** Reconnects {@code nodeId}: it sends and receives again (subject to blocked links). */
    public void connect(String nodeId) {
        node(nodeId).connected = true;
    }

    /** Disconnects {@code nodeId}: it neither sends nor receives, including messages already in flight. */
    public void disconnect(String nodeId) {
        node(nodeId).connected = false;
    }

    public boolean isConnected(String nodeId) {
        Node n = nodes.get(nodeId);
        return n == null || n.connected;
    }

    /** Blocks the one-way link {@code from -> to}. */
    public void blockLink(String from, String to) {
        Node f = node(from);
        Node t = node(to);
        f.blockedTo.set(t.index);
    }

    public void unblockLink(String from, String to) {
        Node f = node(from);
        Node t = node(to);
        f.blockedTo.clear(t.index);
    }

    public boolean isLinkOpen(String from, String to) {
        Node f = nodes.get(from);
        Node t = nodes.get(to);
        return f == null || t == null || !blocked(f, t);
    }

    /** {@link #partition(Set[])} with nodes named by index through {@code id}. */
    public final void partition(java.util.function.IntFunction<String> id, int[]... groups) {
        @SuppressWarnings("unchecked")
        Set<String>[] sets = new Set[groups.length];
        for (int g = 0; g < groups.length; g++) {
            sets[g] = new java.util.HashSet<>();
            for (int i : groups[g]) {
                sets[g].add(id.apply(i));
            }
        }
        partition(sets);
    }

    /**
     * Replaces all link blocks with a partition into {@code groups}: links within a group are open, links
     * between groups are blocked, and nodes named in no group (including nodes that appear later, until
     * {@link #heal()}) are cut off from everyone.
     */
    @SafeVarargs
    public final void partition(Set<String>... groups) {
        Map<Node, Integer> groupOf = new HashMap<>();
        for (int g = 0; g < groups.length; g++) {
            for (String id : groups[g]) {
                Integer prev = groupOf.put(node(id), g);
                if (prev != null && prev != g) {
                    throw new IllegalArgumentException(id + " is in two partition groups");
                }
            }
        }
        for (Node a : nodeList) {
            a.blockedTo.clear();
            Integer ga = groupOf.get(a);
            for (Node b : nodeList) {
                if (a != b && (ga == null || !ga.equals(groupOf.get(b)))) {
                    a.blockedTo.set(b.index);
                }
            }
        }
        isolateNewNodes = true;
    }

    /** Unblocks every link and ends any partition; connect/disconnect state is unchanged. */
    public void heal() {
        for (Node n : nodeList) {
            n.blockedTo.clear();
        }
        isolateNewNodes = false;
    }

    /** Reliable (default) or the lossy, slow 6.824 "unreliable" network. */
    public void setReliable(boolean reliable) {
        this.reliable = reliable;
    }

    public boolean isReliable() {
        return reliable;
    }

    /** Holds back 2/3 of responses by 200ms to ~2.2s, skewed short. */
    public void setLongReordering(boolean longReordering) {
        this.longReordering = longReordering;
    }

    public boolean isLongReordering() {
        return longReordering;
    }

    // ---------------------------------------------------------------- counters

    /** Bytes of encoded messages that left {@code nodeId} (all its incarnations). */
    public long bytesSent(String nodeId) {
        Node n = nodes.get(nodeId);
        return n == null ? 0 : n.bytesSent;
    }

    public long bytesTotal() {
        return bytesTotal;
    }

    /** Requests (not responses) delivered to {@code nodeId}. */
    public long rpcCount(String nodeId) {
        Node n = nodes.get(nodeId);
        return n == null ? 0 : n.rpcCount;
    }

    public long rpcTotal() {
        return rpcTotal;
    }

    /** Messages that left a connected, live sender. */
    public long messagesSent() {
        return messagesSent;
    }

    /** Messages handed to a receiver's handler. */
    public long messagesDelivered() {
        return messagesDelivered;
    }

    /** Messages that left a sender but were never delivered (so far). */
    public long messagesDropped() {
        return messagesDropped;
    }

    // ---------------------------------------------------------------- internals

    private Node node(String id) {
        Node n = nodes.get(id);
        if (n == null) {
            n = new Node(id, nodeList.size());
            if (isolateNewNodes) {
                n.blockedTo.set(0, nodeList.size());
                for (Node other : nodeList) {
                    other.blockedTo.set(n.index);
                }
            }
            nodes.put(id, n);
            nodeList.add(n);
        }
        return n;
    }

    private static boolean blocked(Node from, Node to) {
        return from.blockedTo.get(to.index);
    }

    private static int typeIndex(RaftMessage m) {
        if (m instanceof AppendRequest) {
            return 0;
        } else if (m instanceof AppendResponse) {
            return 1;
        } else if (m instanceof Heartbeat) {
            return 2;
        } else if (m instanceof HeartbeatResponse) {
            return 3;
        } else if (m instanceof VoteRequest) {
            return 4;
        } else if (m instanceof VoteResponse) {
            return 5;
        } else if (m instanceof TimeoutNow) {
            return 6;
        }
        return 7;
    }

    void send(SimTransport source, RaftMessage m) {
        Node from = source.node;
        if (!from.connected) {
            return;
        }
        byte[] frame = MessageCodec.encode(m);
        from.bytesSent += frame.length;
        bytesTotal += frame.length;
        messagesSent++;
        Node to = node(m.to());
        if (!to.connected || blocked(from, to)) {
            messagesDropped++;
            return;
        }
        boolean response = m.isResponse();
        long delay;
        if (!reliable && random.nextInt(10) == 0) {
            messagesDropped++;
            return;
        }
        if (!reliable && !response) {
            delay = random.nextLong(UNRELIABLE_REQUEST_MAX_NANOS + 1);
        } else {
            delay = RELIABLE_MIN_NANOS + random.nextLong(RELIABLE_SPAN_NANOS);
        }
        if (longReordering && response && random.nextInt(3) < 2) {
            delay = (200L + random.nextInt(1 + random.nextInt(2000))) * MILLI;
        }
        sim.enqueue(new Delivery(from.label(to, m), this, source.incarnation, from, to, frame, response),
                sim.timeAfter(delay));
    }

    void deliver(Delivery d) {
        Node from = d.from;
        Node to = d.to;
        SimTransport endpoint = to.endpoint;
        if (!d.sender.isAlive() || !from.connected || !to.connected || blocked(from, to)
                || endpoint == null || endpoint.handler == null || endpoint.closed
                || !endpoint.incarnation.isAlive()) {
            messagesDropped++;
            return;
        }
        if (endpoint.incarnation.isPausedAt(sim.nowNanos())) {
            // A frozen process reads nothing: the message waits (in its socket buffer) until the pause ends.
            sim.enqueue(d, endpoint.incarnation.pausedUntilNanos());
            return;
        }
        RaftMessage m;
        try {
            m = MessageCodec.decode(d.frame);
        } catch (WireFormatException e) {
            throw new IllegalStateException("the codec cannot read back what it wrote", e);
        }
        messagesDelivered++;
        if (!d.response) {
            to.rpcCount++;
            rpcTotal++;
        }
        endpoint.handler.accept(m);
    }

    /** Network state of one node id, shared by all its incarnations. */
    static final class Node {
        final String id;
        final int index;
        final BitSet blockedTo = new BitSet();
        boolean connected = true;
        SimTransport endpoint;
        long bytesSent;
        long rpcCount;
        /** Event labels by target node index, then message type. */
        private String[][] labels = new String[4][];

        Node(String id, int index) {
            this.id = id;
            this.index = index;
        }

        String label(Node to, RaftMessage m) {
            int type = typeIndex(m);
            if (type == TYPES - 1) {
                return "net " + id + "->" + to.id + " " + m.getClass().getSimpleName();
            }
            if (to.index >= labels.length) {
                labels = Arrays.copyOf(labels, Math.max(labels.length * 2, to.index + 1));
            }
            String[] byType = labels[to.index];
            if (byType == null) {
                byType = new String[TYPES];
                labels[to.index] = byType;
            }
            String label = byType[type];
            if (label == null) {
                label = "net " + id + "->" + to.id + " " + TYPE_NAMES[type];
                byType[type] = label;
            }
            return label;
        }
    }

    /** A message in flight; it is its own event, so a send allocates only this and the frame. */
    static final class Delivery extends Event {
        private final SimNetwork network;
        final NodeIncarnation sender;
        final Node from;
        final Node to;
        final byte[] frame;
        final boolean response;

        Delivery(String label, SimNetwork network, NodeIncarnation sender, Node from, Node to, byte[] frame,
                 boolean response) {
            super(label, null, null);
            this.network = network;
            this.sender = sender;
            this.from = from;
            this.to = to;
            this.frame = frame;
            this.response = response;
        }

        @Override
        void fire() {
            network.deliver(this);
        }
    }
}
