package io.tally.transport.netty;

import io.tally.wire.WireMessages;

import io.tally.testkit.harness.Poll;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Member;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.VoteRequest;
import io.tally.wire.v1.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NettyTransportTest {

    private static final String CLUSTER = "test-cluster";
    private final List<AutoCloseable> closeables = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private NettyTransport transport(String id, int port, NettyTransportOptions... custom) {
        NettyTransportOptions o = custom.length > 0 ? custom[0]
                : NettyTransportOptions.defaults(CLUSTER, id, new InetSocketAddress("127.0.0.1", port), Map.of());
        NettyTransport t = NettyTransport.bind(o);
        closeables.add(t);
        return t;
    }

    private static Configuration config(NettyTransport... ts) {
        List<Member> ms = new ArrayList<>();
        for (NettyTransport t : ts) {
            ms.add(Member.voter(t.options().nodeId(), "127.0.0.1:" + t.localAddress().getPort()));
        }
        return Configuration.of(ms);
    }

    @Test
    void messagesOnBothLanesArriveInOrderPerLane() {
        NettyTransport a = transport("a", 0);
        NettyTransport b = transport("b", 0);
        ConcurrentLinkedQueue<RaftMessage> got = new ConcurrentLinkedQueue<>();
        a.start(m -> { });
        b.start(got::add);
        a.configurationChanged(config(a, b));
        List<RaftMessage> sent = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            RaftMessage m = i % 2 == 0
                    ? new AppendRequest("a", "b", 1, i - 1, 1, List.of(new Entry(i, 1, EntryType.COMMAND, new byte[] {(byte) i})), i)
                    : new Heartbeat("a", "b", 1, i, i);
            sent.add(m);
            a.send(m);
        }
        Poll.until("200 messages arrive", Duration.ofSeconds(10), () -> got.size() + a.stats().messagesDropped() >= 200);
        // Messages sent before the connection exists wait for it; none is dropped on a healthy link.
        assertEquals(0, a.stats().messagesDropped());
        List<RaftMessage> appends = got.stream().filter(m -> m instanceof AppendRequest).toList();
        List<RaftMessage> beats = got.stream().filter(m -> m instanceof Heartbeat).toList();
        assertEquals(sent.stream().filter(m -> m instanceof AppendRequest).toList(), appends);
        assertEquals(sent.stream().filter(m -> m instanceof Heartbeat).toList(), beats);
        assertEquals(2, b.stats().connectionsAccepted(), "one connection per lane");
    }

    @Test
    void aRestartedPeerIsRedialled() {
        NettyTransport a = transport("a", 0);
        NettyTransport b = transport("b", 0);
        int port = b.localAddress().getPort();
        a.start(m -> { });
        ConcurrentLinkedQueue<RaftMessage> got = new ConcurrentLinkedQueue<>();
        b.start(got::add);
        a.configurationChanged(config(a, b));
        a.send(new VoteRequest("a", "b", 1, 0, 0, true, false));
        Poll.until("the first vote arrives", Duration.ofSeconds(10), () -> got.size() == 1);
        b.close();
        NettyTransport b2 = transport("b", port);
        ConcurrentLinkedQueue<RaftMessage> got2 = new ConcurrentLinkedQueue<>();
        b2.start(got2::add);
        Poll.until("a vote reaches the restarted peer", Duration.ofSeconds(20), () -> {
            a.send(new VoteRequest("a", "b", 2, 0, 0, true, false));
            return !got2.isEmpty();
        });
        assertTrue(a.stats().connectsAttempted() >= 2, "redialled");
    }

    @Test
    void wrongClusterVersionOrNodeIsRefusedWithAReasonAndOthersAreStillServed() throws Exception {
        NettyTransport b = transport("b", 0);
        ConcurrentLinkedQueue<RaftMessage> got = new ConcurrentLinkedQueue<>();
        b.start(got::add);
        String[][] cases = {{"other-cluster", "a", "b", "1", "cluster"}, {CLUSTER, "a", "b", "2", "version"},
                {CLUSTER, "a", "c", "1", "expected node"}, {CLUSTER, "b", "b", "1", "invalid peer id"},
                {CLUSTER, "", "b", "1", "invalid peer id"}};
        for (String[] c : cases) {
            try (RawPeer p = new RawPeer(b.localAddress(), 5000)) {
                p.write(RawPeer.hello(c[0], c[1], c[2], Integer.parseInt(c[3])));
                Frame answer = p.read();
                assertNotNull(answer, "a reason before closing");
                assertTrue(answer.hasReject() && answer.getReject().getReason().contains(c[4]), answer.toString());
                assertTrue(p.closedByPeer());
            }
        }
        assertEquals(cases.length, b.stats().connectionsRejected());
        NettyTransport a = transport("a", 0);
        a.start(m -> { });
        a.configurationChanged(config(a, b));
        a.send(new VoteRequest("a", "b", 1, 0, 0, true, false));
        Poll.until("a good peer is still served", Duration.ofSeconds(10), () -> got.size() == 1);
    }

    /**
     * AppendRequests are read straight into entries when canonical; in any other form the protocol allows (here a
     * field written twice, which protobuf resolves to the last value) the generated parser reads them; before the
     * handshake, or breaking a rule, they end the connection.
     */
    @Test
    void appendRequestsAreReadInEveryFormTheProtocolAllows() throws Exception {
        NettyTransport b = transport("b", 0);
        ConcurrentLinkedQueue<RaftMessage> got = new ConcurrentLinkedQueue<>();
        b.start(got::add);
        List<Entry> entries = List.of(new Entry(8, 3, EntryType.COMMAND, new byte[] {1, 2, 3}), new Entry(9, 4, EntryType.NOOP, null));
        AppendRequest canonical = new AppendRequest("a", "b", 4, 7, 3, entries, 6);
        byte[] generated = WireMessages.toFrame(canonical).toByteArray();
        byte[] laterTerm = Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder().setTerm(9)).build()
                .toByteArray();
        byte[] twice = java.util.Arrays.copyOf(generated, generated.length + laterTerm.length);
        System.arraycopy(laterTerm, 0, twice, generated.length, laterTerm.length);
        try (RawPeer p = new RawPeer(b.localAddress(), 5000)) {
            p.write(RawPeer.hello(CLUSTER, "a", "b", 1));
            assertTrue(p.read().hasWelcome());
            p.write(FrameCodec.withHeader(generated, generated.length));
            p.write(FrameCodec.withHeader(twice, twice.length));
            Poll.until("both requests delivered", Duration.ofSeconds(10), () -> got.size() == 2);
        }
        assertEquals(List.of(canonical, new AppendRequest("a", "b", 9, 7, 3, entries, 6)), List.copyOf(got));

        try (RawPeer early = new RawPeer(b.localAddress(), 5000)) {
            early.write(FrameCodec.withHeader(generated, generated.length));
            Frame answer = early.read();
            assertTrue(answer == null || answer.hasReject(), String.valueOf(answer));
            assertTrue(early.closedByPeer(), "an append before the handshake ends the connection");
        }
        byte[] termZero = WireMessages.toFrame(new AppendRequest("a", "b", 4, 7, 3, entries, 6)).toBuilder()
                .setAppendRequest(WireMessages.toFrame(canonical).getAppendRequest().toBuilder()
                        .setEntries(0, io.tally.wire.v1.Entry.newBuilder().setTerm(0).setTypeValue(1))).build().toByteArray();
        try (RawPeer bad = new RawPeer(b.localAddress(), 5000)) {
            bad.write(RawPeer.hello(CLUSTER, "a", "b", 1));
            assertTrue(bad.read().hasWelcome());
            bad.write(FrameCodec.withHeader(termZero, termZero.length));
            assertTrue(bad.closedByPeer(), "an entry of term 0 ends the connection");
        }
        assertEquals(2, got.size(), "nothing from the refused frames reached Raft");
    }

    @Test
    void aPeerThatStallsIsDisconnected() throws Exception {
        NettyTransportOptions o = NettyTransportOptions.defaults(CLUSTER, "b", new InetSocketAddress("127.0.0.1", 0), Map.of())
                .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofMillis(400));
        NettyTransport b = transport("b", 0, o);
        b.start(m -> { });
        try (RawPeer silent = new RawPeer(b.localAddress(), 5000)) {
            assertTrue(silent.closedByPeer(), "no handshake: closed");
        }
        try (RawPeer halfFrame = new RawPeer(b.localAddress(), 5000)) {
            halfFrame.write(RawPeer.hello(CLUSTER, "a", "b", 1));
            assertTrue(halfFrame.read().hasWelcome());
            byte[] frame = FrameCodec.encode(WireMessages.toFrame(new Heartbeat("a", "b", 1, 0, 0)));
            halfFrame.write(java.util.Arrays.copyOf(frame, frame.length - 2));
            assertTrue(halfFrame.closedByPeer(), "half a frame then silence: closed");
        }
        assertEquals(2, b.stats().connectionsRejected());
        assertEquals(0, b.stats().messagesReceived());
    }

    @Test
    void aPeerThatStopsReadingCostsBoundedMemory() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(64 * 1024); // fixed, so the kernel cannot autotune it to tens of MiB
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = new Thread(() -> {
                try {
                    Socket s = server.accept(); // the data lane: handshake, then never read again
                    RawPeer.readFrameFrom(s.getInputStream());
                    s.getOutputStream().write(FrameCodec.encode(Frame.newBuilder().setWelcome(
                            io.tally.wire.v1.Welcome.newBuilder().setVersion(1).setClusterId(CLUSTER)
                                    .setNodeId("b")).build()));
                    closeables.add(s);
                } catch (IOException e) {
                    // the test fails on its own assertions
                }
            });
            acceptor.start();
            long queueBytes = 4L << 20;
            NettyTransportOptions o = NettyTransportOptions.defaults(CLUSTER, "a", new InetSocketAddress("127.0.0.1", 0),
                    Map.of("b", new InetSocketAddress("127.0.0.1", server.getLocalPort())))
                    .withMaxFrameBytes(1 << 20).withQueueBytes(1 << 20, queueBytes);
            NettyTransport a = transport("a", 0, o);
            a.start(m -> { });
            byte[] payload = new byte[64 * 1024];
            // First the link opens (handshake done), then the peer stops reading while we keep sending.
            a.send(new AppendRequest("a", "b", 1, 0, 1, List.of(), 0));
            Poll.until("the data lane is open", Duration.ofSeconds(10), () -> a.stats().messagesSent() == 1);
            long offered = 1;
            for (int i = 1; i <= 2000; i++) {
                a.send(new AppendRequest("a", "b", 1, i - 1, 1, List.of(new Entry(i, 1, EntryType.COMMAND, payload)), 0));
                offered++;
            }
            Poll.until("the stalled lane sheds load", Duration.ofSeconds(10), () -> a.stats().messagesDropped() > 0);
            // Everything written is bounded by the queue, Netty's high-water mark and the socket buffers.
            long inFlight = (offered - a.stats().messagesDropped()) * (long) payload.length;
            assertTrue(inFlight < queueBytes + (16L << 20), "at most queue + buffers accepted, was " + inFlight);
        }
    }

    @Test
    void heartbeatsAreNotStuckBehindAStalledDataLane() throws Exception {
        ConcurrentLinkedQueue<Frame> control = new ConcurrentLinkedQueue<>();
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(64 * 1024);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();
                        closeables.add(s);
                        Frame hello = RawPeer.readFrameFrom(s.getInputStream());
                        s.getOutputStream().write(FrameCodec.encode(Frame.newBuilder().setWelcome(
                                io.tally.wire.v1.Welcome.newBuilder().setVersion(1).setClusterId(CLUSTER)
                                        .setNodeId("b")).build()));
                        if (hello.getHello().getLane() == io.tally.wire.v1.Lane.LANE_CONTROL) {
                            Thread reader = new Thread(() -> {
                                try {
                                    Frame f;
                                    while ((f = RawPeer.readFrameFrom(s.getInputStream())) != null) {
                                        control.add(f);
                                    }
                                } catch (IOException e) {
                                    // closed at the end of the test
                                }
                            });
                            reader.setDaemon(true);
                            reader.start();
                        } // the DATA connection is never read again
                    }
                } catch (IOException e) {
                    // server closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            NettyTransportOptions o = NettyTransportOptions.defaults(CLUSTER, "a", new InetSocketAddress("127.0.0.1", 0),
                    Map.of("b", new InetSocketAddress("127.0.0.1", server.getLocalPort())))
                    .withMaxFrameBytes(1 << 20).withQueueBytes(1 << 20, 4L << 20);
            NettyTransport a = transport("a", 0, o);
            a.start(m -> { });
            byte[] payload = new byte[64 * 1024];
            a.send(new AppendRequest("a", "b", 1, 0, 1, List.of(), 0));
            Poll.until("the data lane is open", Duration.ofSeconds(10), () -> a.stats().messagesSent() == 1);
            for (int i = 1; i <= 1000; i++) {
                a.send(new AppendRequest("a", "b", 1, i - 1, 1, List.of(new Entry(i, 1, EntryType.COMMAND, payload)), 0));
            }
            Poll.until("the data lane is saturated", Duration.ofSeconds(10), () -> a.stats().messagesDropped() > 0);
            for (int i = 1; i <= 20; i++) {
                a.send(new Heartbeat("a", "b", 1, i, 0));
            }
            Poll.until("all 20 heartbeats arrive on the control lane", Duration.ofSeconds(10),
                    () -> control.stream().filter(Frame::hasHeartbeat).count() == 20);
        }
    }
}
