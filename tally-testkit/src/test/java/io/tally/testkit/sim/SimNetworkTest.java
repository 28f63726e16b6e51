package io.tally.testkit.sim;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.wire.MessageCodec;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimNetworkTest {

    /** A simulation with nodes a, b, c whose inbound messages are collected per node. */
    private static final class Fixture {
        final Simulation sim;
        final SimNetwork net;
        final Map<String, SimTransport> transports = new HashMap<>();
        final Map<String, List<RaftMessage>> inbox = new HashMap<>();
        final Map<String, List<Long>> arrivals = new HashMap<>();

        Fixture(long seed, String... ids) {
            sim = new Simulation(seed);
            net = new SimNetwork(sim);
            for (String id : ids) {
                start(NodeIncarnation.first(id));
            }
        }

        SimTransport start(NodeIncarnation inc) {
            SimTransport t = net.transport(inc);
            List<RaftMessage> box = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            inbox.put(inc.nodeId(), box);
            arrivals.put(inc.nodeId(), times);
            t.start(m -> {
                box.add(m);
                times.add(sim.nowNanos());
            });
            transports.put(inc.nodeId(), t);
            return t;
        }

        void send(RaftMessage m) {
            transports.get(m.from()).send(m);
        }

        int received(String id) {
            return inbox.get(id).size();
        }
    }

    private static Heartbeat hb(String from, String to) {
        return new Heartbeat(from, to, 1, 0, 0);
    }

    private static HeartbeatResponse hbr(String from, String to) {
        return new HeartbeatResponse(from, to, 1);
    }

    @Test
    void deliversEqualButDistinctMessagesAfterReliableDelay() {
        Fixture f = new Fixture(1, "a", "b");
        List<RaftMessage> sent = List.of(
                new VoteRequest("a", "b", 3, 10, 2, true, false),
                new VoteResponse("a", "b", 3, true, true),
                new AppendRequest("a", "b", 3, 4, 2, List.of(
                        new Entry(5, 3, EntryType.COMMAND, "hello".getBytes(StandardCharsets.UTF_8)),
                        new Entry(6, 3, EntryType.NOOP, null)), 4),
                AppendResponse.success("a", "b", 3, 6),
                new Heartbeat("a", "b", 3, 4, 2),
                new HeartbeatResponse("a", "b", 3),
                new TimeoutNow("a", "b", 3));
        for (RaftMessage m : sent) {
            f.send(m);
        }
        f.sim.runFor(1);
        List<RaftMessage> got = f.inbox.get("b");
        assertEquals(sent.size(), got.size());
        for (RaftMessage m : sent) {
            RaftMessage same = got.stream().filter(m::equals).findFirst().orElseThrow(() -> new AssertionError(m));
            assertNotSame(m, same);
        }
        for (long t : f.arrivals.get("b")) {
            assertTrue(t >= 100_000 && t < 1_000_000, "delay " + t);
        }
        assertEquals(sent.size(), f.net.messagesDelivered());
        assertEquals(4, f.net.rpcCount("b"), "requests only");
        assertEquals(0, f.net.rpcCount("a"));
        assertEquals(4, f.net.rpcTotal());
    }

    @Test
    void countsEncodedBytesPerSender() {
        Fixture f = new Fixture(1, "a", "b", "c");
        long a = 0;
        long b = 0;
        for (int i = 0; i < 10; i++) {
            RaftMessage m1 = new AppendRequest("a", "b", 1, i, 1, List.of(new Entry(i + 1, 1, EntryType.COMMAND, new byte[i])), i);
            RaftMessage m2 = hbr("b", "c");
            f.send(m1);
            f.send(m2);
            a += MessageCodec.encode(m1).length;
            b += MessageCodec.encode(m2).length;
        }
        f.sim.runFor(5);
        assertEquals(a, f.net.bytesSent("a"));
        assertEquals(b, f.net.bytesSent("b"));
        assertEquals(0, f.net.bytesSent("c"));
        assertEquals(a + b, f.net.bytesTotal());
    }

    @Test
    void disconnectDropsBothDirectionsIncludingInFlight() {
        Fixture f = new Fixture(1, "a", "b", "c");
        f.net.disconnect("b");
        f.send(hb("a", "b"));
        f.send(hb("b", "a"));
        f.send(hb("a", "c"));
        f.sim.runFor(5);
        assertEquals(0, f.received("b"));
        assertEquals(0, f.received("a"));
        assertEquals(1, f.received("c"));
        assertEquals(0, f.net.bytesSent("b"), "a disconnected node sends nothing");

        f.net.connect("b");
        f.send(hb("a", "b"));
        f.send(hb("b", "a"));
        // Disconnect while both are in flight: checked again at delivery.
        f.net.disconnect("b");
        f.sim.runFor(5);
        assertEquals(0, f.received("b"));
        assertEquals(0, f.received("a"));

        f.net.connect("b");
        f.send(hb("a", "b"));
        f.send(hb("b", "a"));
        f.sim.runFor(5);
        assertEquals(1, f.received("b"));
        assertEquals(1, f.received("a"));
    }

    @Test
    void partitionAndHeal() {
        Fixture f = new Fixture(1, "a", "b", "c", "d", "e");
        f.net.partition(Set.of("a", "b"), Set.of("c", "d"));
        String[] ids = {"a", "b", "c", "d", "e"};
        for (String x : ids) {
            for (String y : ids) {
                if (!x.equals(y)) {
                    f.send(hb(x, y));
                }
            }
        }
        f.sim.runFor(5);
        assertEquals(1, f.received("a"), "from b only");
        assertEquals(1, f.received("b"));
        assertEquals(1, f.received("c"));
        assertEquals(1, f.received("d"));
        assertEquals(0, f.received("e"), "unnamed nodes are isolated");
        assertTrue(f.inbox.get("a").stream().allMatch(m -> m.from().equals("b")));
        assertTrue(f.net.isLinkOpen("c", "d"));
        assertTrue(!f.net.isLinkOpen("a", "c"));

        f.net.heal();
        for (String x : ids) {
            for (String y : ids) {
                if (!x.equals(y)) {
                    f.send(hb(x, y));
                }
            }
        }
        f.sim.runFor(5);
        for (String x : ids) {
            assertEquals(x.equals("e") ? 4 : 5, f.received(x), x);
        }
    }

    @Test
    void partitionCutsMessagesInFlight() {
        Fixture f = new Fixture(1, "a", "b");
        f.send(hb("a", "b"));
        f.net.partition(Set.of("a"), Set.of("b"));
        f.sim.runFor(5);
        assertEquals(0, f.received("b"));
        f.net.heal();
        f.send(hb("a", "b"));
        f.sim.runFor(5);
        assertEquals(1, f.received("b"));
    }

    @Test
    void blockLinkIsOneWay() {
        Fixture f = new Fixture(1, "a", "b");
        f.net.blockLink("a", "b");
        f.send(hb("a", "b"));
        f.send(hb("b", "a"));
        f.sim.runFor(5);
        assertEquals(0, f.received("b"));
        assertEquals(1, f.received("a"));
        f.net.unblockLink("a", "b");
        f.send(hb("a", "b"));
        f.sim.runFor(5);
        assertEquals(1, f.received("b"));
    }

    @Test
    void unreliableNetworkDropsAboutTenPercent() {
        long seed = 20240607L;
        System.out.println("SimNetworkTest.unreliable seed=" + seed);
        Fixture f = new Fixture(seed, "a", "b");
        f.net.setReliable(false);
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            f.send(hb("a", "b"));
            f.send(hbr("b", "a"));
        }
        f.sim.runFor(100);
        int requests = f.received("b");
        int responses = f.received("a");
        assertTrue(requests >= n * 0.87 && requests <= n * 0.93, "requests delivered " + requests);
        assertTrue(responses >= n * 0.87 && responses <= n * 0.93, "responses delivered " + responses);
        assertEquals(requests, f.net.rpcTotal());
        long maxRequestDelay = f.arrivals.get("b").stream().mapToLong(Long::longValue).max().orElseThrow();
        long maxResponseDelay = f.arrivals.get("a").stream().mapToLong(Long::longValue).max().orElseThrow();
        assertTrue(maxRequestDelay > 20_000_000 && maxRequestDelay <= 26_000_000, "request delay " + maxRequestDelay);
        assertTrue(maxResponseDelay < 1_000_000, "response delay " + maxResponseDelay);
        assertEquals(2L * n - requests - responses, f.net.messagesDropped());
    }

    @Test
    void longReorderingHoldsBackTwoThirdsOfResponses() {
        Fixture f = new Fixture(7, "a", "b");
        f.net.setLongReordering(true);
        int n = 3000;
        for (int i = 0; i < n; i++) {
            f.send(hbr("b", "a"));
            f.send(hb("a", "b"));
        }
        f.sim.runFor(3000);
        assertEquals(n, f.received("a"));
        assertEquals(n, f.received("b"));
        long late = f.arrivals.get("a").stream().filter(t -> t >= 200_000_000).count();
        assertTrue(late > n * 0.6 && late < n * 0.73, "late responses " + late);
        assertTrue(f.arrivals.get("a").stream().allMatch(t -> t < 2_201_000_000L));
        assertTrue(f.arrivals.get("b").stream().allMatch(t -> t < 1_000_000), "requests are not held back");
    }

    @Test
    void restartedNodeGetsMessagesDeadOneDoesNot() {
        Fixture f = new Fixture(1, "a", "b");
        NodeIncarnation b1 = f.transports.get("b").incarnation();
        f.send(hb("a", "b"));
        f.send(hb("b", "a"));
        b1.kill();
        f.sim.runFor(5);
        assertEquals(0, f.received("b"), "dead receiver");
        assertEquals(0, f.received("a"), "messages from a dead incarnation are dropped");
        SimTransport old = f.transports.get("b");
        old.send(hb("b", "a"));
        f.sim.runFor(5);
        assertEquals(0, f.received("a"), "a dead incarnation cannot send");

        NodeIncarnation b2 = b1.next();
        f.send(hb("a", "b")); // in flight while b restarts: the new incarnation gets it
        f.start(b2);
        f.send(hb("b", "a"));
        f.sim.runFor(5);
        assertEquals(1, f.received("b"));
        assertEquals(1, f.received("a"));
        assertThrows(IllegalStateException.class, () -> f.net.transport(b1));
    }

    @Test
    void notStartedTransportDropsMessages() {
        Fixture f = new Fixture(1, "a");
        f.net.transport(NodeIncarnation.first("b"));
        f.send(hb("a", "b"));
        f.send(hb("a", "nobody"));
        f.sim.runFor(5);
        assertEquals(0, f.net.messagesDelivered());
        assertEquals(2, f.net.messagesDropped());
    }

    @Test
    void deliveryLabelsNameTheLink() {
        Fixture f = new Fixture(1, "a", "b");
        f.sim.enableTrace();
        f.send(new VoteRequest("a", "b", 1, 0, 0, false, false));
        f.sim.runFor(5);
        assertEquals(1, f.sim.trace().size());
        assertTrue(f.sim.trace().get(0).endsWith(" net a->b VoteRequest"), f.sim.trace().get(0));
    }

    @Test
    void sendingAnotherNodesMessageIsRejected() {
        Fixture f = new Fixture(1, "a", "b");
        assertThrows(IllegalArgumentException.class, () -> f.transports.get("a").send(hb("b", "a")));
    }

    @Test
    void networkRunsAreDeterministic() {
        assertEquals(chatter(99), chatter(99));
        assertTrue(chatter(99) != chatter(100));
    }

    /** Nodes answering each heartbeat with a response over an unreliable, reordering network. */
    private static long chatter(long seed) {
        Simulation sim = new Simulation(seed);
        SimNetwork net = new SimNetwork(sim);
        net.setReliable(false);
        net.setLongReordering(true);
        String[] ids = {"a", "b", "c"};
        Map<String, SimTransport> ts = new HashMap<>();
        for (String id : ids) {
            SimTransport t = net.transport(NodeIncarnation.first(id));
            ts.put(id, t);
            t.start(m -> {
                if (!m.isResponse()) {
                    ts.get(id).send(hbr(id, m.from()));
                }
            });
        }
        for (String id : ids) {
            SimRuntime rt = new SimRuntime(sim, ts.get(id).incarnation(), LatencyModel.DEFAULT);
            Runnable[] tick = new Runnable[1];
            tick[0] = () -> {
                for (String other : ids) {
                    if (!other.equals(id)) {
                        ts.get(id).send(hb(id, other));
                    }
                }
                rt.schedule(rt.random().nextInt(20, 60), java.util.concurrent.TimeUnit.MILLISECONDS, tick[0]);
            };
            rt.schedule(0, java.util.concurrent.TimeUnit.MILLISECONDS, tick[0]);
        }
        sim.runFor(5_000);
        return sim.traceHash() ^ net.messagesDelivered();
    }
}
