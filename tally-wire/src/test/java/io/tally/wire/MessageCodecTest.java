package io.tally.wire;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.SnapshotAck;
import io.tally.raft.message.SnapshotChunk;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The addressed encoding the simulator and the in-process network use: the TCP frame plus sender and receiver. */
class MessageCodecTest {

    private static final List<Entry> ENTRIES = List.of(
            new Entry(8, 3, EntryType.COMMAND, new byte[] {1, 2, 3}),
            new Entry(9, 3, EntryType.NOOP, null),
            new Entry(10, 4, EntryType.CONFIGURATION, new byte[] {0}),
            new Entry(11, 4, EntryType.BARRIER, new byte[0]));

    private static void assertRoundTrip(RaftMessage m) throws WireFormatException {
        assertEquals(m, MessageCodec.decode(MessageCodec.encode(m)));
    }

    @Test
    void everyMessageTypeRoundTripsWithItsSenderAndReceiver() throws WireFormatException {
        assertRoundTrip(new VoteRequest("n1", "n2", 5, 100, 4, false, false));
        assertRoundTrip(new VoteRequest("n1", "n2", 6, 100, 4, true, true));
        assertRoundTrip(new VoteResponse("n2", "n1", 5, true, false));
        assertRoundTrip(new VoteResponse("n2", "n1", 5, false, true));
        assertRoundTrip(new AppendRequest("n1", "n2", 4, 7, 3, ENTRIES, 6));
        assertRoundTrip(new AppendRequest("n1", "n2", 4, 0, 0, List.of(), 0));
        assertRoundTrip(AppendResponse.success("n2", "n1", 4, 11));
        assertRoundTrip(new AppendResponse("n2", "n1", 4, false, 0, 7, 2, 5));
        assertRoundTrip(new Heartbeat("n1", "n2", 4, 9, 7, 12));
        assertRoundTrip(new HeartbeatResponse("n2", "n1", 4, 12));
        assertRoundTrip(new TimeoutNow("n1", "n2", 4));
        assertRoundTrip(new SnapshotChunk("n1", "n2", 4, 120, 3, 0, new byte[] {1, 2, 3}, false, new byte[] {9, 8}));
        assertRoundTrip(new SnapshotChunk("n1", "n2", 4, 120, 3, 192, new byte[0], true, new byte[0]));
        assertRoundTrip(new SnapshotAck("n2", "n1", 0, 0, 0));
    }

    @Test
    void aLargeSnapshotChunkRoundTrips() throws WireFormatException {
        byte[] data = new byte[100_000];
        new Random(7).nextBytes(data);
        assertRoundTrip(new SnapshotChunk("n1", "n2", 9, Long.MAX_VALUE, 8, 1L << 40, data, true, new byte[300]));
    }

    @Test
    void bytesThatAreNotAnAddressedMessageAreRefused() {
        assertThrows(WireFormatException.class, () -> MessageCodec.decode(new byte[] {(byte) 0xff, 0x01, 0x02}));
        byte[] noAddress = io.tally.wire.v1.Addressed.newBuilder()
                .setFrame(WireMessages.toFrame(new TimeoutNow("a", "b", 1))).build().toByteArray();
        assertThrows(WireFormatException.class, () -> MessageCodec.decode(noAddress));
        byte[] hello = io.tally.wire.v1.Addressed.newBuilder().setFrom("a").setTo("b")
                .setFrame(io.tally.wire.v1.Frame.newBuilder().setPing(io.tally.wire.v1.Ping.newBuilder().setNonce(1))).build()
                .toByteArray();
        assertThrows(WireFormatException.class, () -> MessageCodec.decode(hello), "a frame without a Raft message");
    }

    /** Seeded mutations of valid messages: decoding either succeeds or says why; it never throws anything else. */
    @Test
    void mutatedBytesDecodeOrAreRefusedButNeverCrash() {
        long seed = Long.getLong("tally.test.seed", 11L);
        System.out.println("MessageCodecTest mutations, seed " + seed);
        Random r = new Random(seed);
        byte[] valid = MessageCodec.encode(new AppendRequest("n1", "n2", 4, 7, 3, ENTRIES, 6));
        for (int i = 0; i < 20_000; i++) {
            byte[] b = valid.clone();
            int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++) {
                b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            if (r.nextInt(4) == 0) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            try {
                MessageCodec.decode(b);
            } catch (WireFormatException e) {
                // refused with a reason: fine
            } catch (RuntimeException e) {
                throw new AssertionError("mutation " + i + " (seed " + seed + ") crashed the decoder", e);
            }
        }
    }

    /** A random AppendRequest: empty or not, terms and indexes of every varint length, every entry type. */
    private static AppendRequest randomAppend(Random r) {
        int n = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(40);
        long prev = r.nextInt(3) == 0 ? 0 : r.nextLong(Long.MAX_VALUE / 2) >>> r.nextInt(60);
        long term = 1 + (r.nextLong(Long.MAX_VALUE / 2) >>> r.nextInt(63));
        List<Entry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] data = r.nextInt(5) == 0 ? null : new byte[r.nextInt(300)];
            if (data != null) {
                r.nextBytes(data);
            }
            entries.add(new Entry(prev + i + 1, 1 + r.nextInt(1000), EntryType.values()[r.nextInt(EntryType.values().length)], data));
        }
        return new AppendRequest("n" + r.nextInt(10), "node-" + r.nextInt(1000), term, prev, r.nextInt(2) * term, entries,
                r.nextInt(3) == 0 ? 0 : r.nextLong(prev + n + 1));
    }

    /** AppendRequestWire writes exactly the bytes the generated code writes, and both read them back alike. */
    @Test
    void appendRequestsAreTheGeneratedBytesByteForByte() throws WireFormatException {
        long seed = Long.getLong("tally.test.seed", 12L);
        System.out.println("MessageCodecTest append requests, seed " + seed);
        Random r = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            AppendRequest a = randomAppend(r);
            byte[] generated = MessageCodec.encodeGenerated(a);
            assertArrayEquals(generated, MessageCodec.encode(a), "request " + i + " (seed " + seed + "): " + a);
            assertEquals(a, MessageCodec.decode(generated));
            assertEquals(a, MessageCodec.decodeGenerated(generated));
        }
    }

    /** Fields in another order, repeated or unknown: not canonical, so the generated parser's rules decide. */
    @Test
    void aNonCanonicalAppendRequestIsReadByTheGeneratedRules() throws WireFormatException {
        AppendRequest a = new AppendRequest("n1", "n2", 4, 7, 3, ENTRIES, 6);
        byte[] frame = WireMessages.toFrame(a).toByteArray();
        // the frame before the addresses
        byte[] reordered = concat(io.tally.wire.v1.Addressed.newBuilder().setFrame(WireMessages.toFrame(a)).build().toByteArray(),
                io.tally.wire.v1.Addressed.newBuilder().setFrom("n1").setTo("n2").build().toByteArray());
        assertEquals(a, MessageCodec.decode(reordered));
        // term written twice: the last one wins
        byte[] twice = concat(MessageCodec.encode(a), io.tally.wire.v1.Addressed.newBuilder().setFrame(
                io.tally.wire.v1.Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder().setTerm(9))).build()
                .toByteArray());
        assertEquals(new AppendRequest("n1", "n2", 9, 7, 3, ENTRIES, 6), MessageCodec.decode(twice));
        assertEquals(MessageCodec.decodeGenerated(twice), MessageCodec.decode(twice));
        assertEquals(frame.length + 10, MessageCodec.encode(a).length, "from, to: 4 bytes each; the frame's tag and length: 2");
        // A first copy that breaks a rule (prev_log_index past 2^63-1), merged with a second that overrides the field:
        // protobuf's merge makes the frame valid, so the fast reader must not refuse the first copy on its own.
        byte[] outOfRange = io.tally.wire.v1.Addressed.newBuilder().setFrom("n1").setTo("n2").setFrame(
                io.tally.wire.v1.Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder().setTerm(3)
                        .setPrevLogIndex(-1))).build().toByteArray();
        byte[] override = io.tally.wire.v1.Addressed.newBuilder().setFrame(io.tally.wire.v1.Frame.newBuilder()
                .setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder().setPrevLogIndex(5))).build().toByteArray();
        byte[] merged = concat(outOfRange, override);
        assertEquals(new AppendRequest("n1", "n2", 3, 5, 0, List.of(), 0), MessageCodec.decode(merged));
        assertEquals(MessageCodec.decodeGenerated(merged), MessageCodec.decode(merged));
        assertThrows(WireFormatException.class, () -> MessageCodec.decode(outOfRange), "alone, the first copy is refused");
    }

    /** Seeded mutations of AppendRequests: the fast reader and the generated one agree on every one. */
    @Test
    void mutatedAppendRequestsReadAlikeByBothParsers() {
        long seed = Long.getLong("tally.test.seed", 13L);
        System.out.println("MessageCodecTest append mutations, seed " + seed);
        Random r = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = MessageCodec.encode(randomAppend(r));
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            if (r.nextInt(4) == 0) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            Object fast = outcome(b, true);
            Object generated = outcome(b, false);
            assertEquals(generated, fast, "mutation " + i + " (seed " + seed + ")");
        }
    }

    /** The decoded message, or "refused" (the reasons may differ in wording where the parsers stop at a different byte). */
    private static Object outcome(byte[] b, boolean fast) {
        try {
            return fast ? MessageCodec.decode(b) : MessageCodec.decodeGenerated(b);
        } catch (WireFormatException e) {
            return "refused";
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
