package io.tally.transport.netty;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link NettyTransport}.
 *
 * @param clusterId         every node of a cluster uses the same id; a peer naming another is refused
 * @param nodeId            this node's id
 * @param listen            where to accept connections from peers
 * @param peers             addresses of peers known before any configuration is (bootstrap); the latest
 *                          configuration's member addresses take precedence once known
 * @param maxFrameBytes     largest frame payload accepted or sent; must exceed the largest AppendEntries
 *                          and snapshot chunk the node produces
 * @param controlQueueBytes most bytes queued for one peer's control lane before new messages are dropped
 * @param dataQueueBytes    most bytes queued for one peer's data lane before new messages are dropped
 * @param connectTimeout    how long a connection attempt may take
 * @param handshakeTimeout  how long an accepted connection may take to complete its handshake
 * @param pingInterval      a dialer that has read nothing for this long sends a Ping
 * @param idleTimeout       a connection on which nothing was read for this long is closed (a stalled or
 *                          vanished peer); also bounds how long a half-received frame may wait
 * @param reconnectBase     first reconnection delay; doubles per failed attempt, with jitter
 * @param reconnectMax      cap of the reconnection delay
 */
public record NettyTransportOptions(String clusterId, String nodeId, InetSocketAddress listen,
                                    Map<String, InetSocketAddress> peers, int maxFrameBytes,
                                    long controlQueueBytes, long dataQueueBytes, Duration connectTimeout,
                                    Duration handshakeTimeout, Duration pingInterval, Duration idleTimeout,
                                    Duration reconnectBase, Duration reconnectMax) {

    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

    public NettyTransportOptions {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(listen, "listen");
        peers = Map.copyOf(peers);
        if (clusterId.isEmpty() || nodeId.isEmpty()) {
            throw new IllegalArgumentException("cluster id and node id must not be empty");
        }
        if (maxFrameBytes < 1024) {
            throw new IllegalArgumentException("maxFrameBytes must be at least 1024, was " + maxFrameBytes);
        }
        if (controlQueueBytes < maxFrameBytes || dataQueueBytes < maxFrameBytes) {
            throw new IllegalArgumentException("lane queues must hold at least one maximal frame");
        }
        for (Duration d : new Duration[] {connectTimeout, handshakeTimeout, pingInterval, idleTimeout, reconnectBase, reconnectMax}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts and intervals must be positive");
            }
        }
        if (idleTimeout.compareTo(pingInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("idleTimeout must be at least twice pingInterval");
        }
        if (reconnectMax.compareTo(reconnectBase) < 0) {
            throw new IllegalArgumentException("reconnectMax must be >= reconnectBase");
        }
    }

    /** Defaults for a node: 16 MiB frames, 64 MiB data queue per peer, ping after 500 ms, idle close after 5 s. */
    public static NettyTransportOptions defaults(String clusterId, String nodeId, InetSocketAddress listen,
                                                 Map<String, InetSocketAddress> peers) {
        return new NettyTransportOptions(clusterId, nodeId, listen, peers, DEFAULT_MAX_FRAME_BYTES,
                DEFAULT_MAX_FRAME_BYTES, 4L * DEFAULT_MAX_FRAME_BYTES, Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(5),
                Duration.ofMillis(50), Duration.ofSeconds(1));
    }

    public NettyTransportOptions withTimeouts(Duration handshake, Duration ping, Duration idle) {
        return new NettyTransportOptions(clusterId, nodeId, listen, peers, maxFrameBytes, controlQueueBytes,
                dataQueueBytes, connectTimeout, handshake, ping, idle, reconnectBase, reconnectMax);
    }

    public NettyTransportOptions withMaxFrameBytes(int max) {
        return new NettyTransportOptions(clusterId, nodeId, listen, peers, max, Math.max(controlQueueBytes, max),
                Math.max(dataQueueBytes, max), connectTimeout, handshakeTimeout, pingInterval, idleTimeout,
                reconnectBase, reconnectMax);
    }

    public NettyTransportOptions withQueueBytes(long control, long data) {
        return new NettyTransportOptions(clusterId, nodeId, listen, peers, maxFrameBytes, control, data,
                connectTimeout, handshakeTimeout, pingInterval, idleTimeout, reconnectBase, reconnectMax);
    }
}
