package io.tally.raft.message;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class MessageCodecTest {

    private static final List<Entry> ENTRIES = List.of(
            new Entry(8, 3, EntryType.COMMAND, new byte[] {1, 2, 3}),
            new Entry(9, 3, EntryType.NOOP, null),
            new Entry(10, 4, EntryType.CONFIGURATION, new byte[] {0}),
            new Entry(11, 4, EntryType.BARRIER, new byte[0]));

    private static void assertRoundTrip(RaftMessage m) {
        byte[] frame = MessageCodec.encode(m);
        assertEquals(MessageCodec.VERSION, frame[0]);
        assertEquals(frame.length, MessageCodec.encodedSize(m));
        assertEquals(m, MessageCodec.decode(frame));
    }

    @Test
    void everyMessageTypeRoundTrips() {
        assertRoundTrip(new VoteRequest("n1", "n2", 5, 100, 4, false, false));
        assertRoundTrip(new VoteRequest("n1", "n2", 6, 100, 4, true, false));
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
        assertRoundTrip(new SnapshotAck("n2", "n1", 4, 120, 192));
        assertRoundTrip(new SnapshotAck("n2", "n1", 0, 0, 0));
    }

    @Test
    void largeSnapshotChunkRoundTrips() {
        byte[] data = new byte[100_000];
        new Random(7).nextBytes(data);
        assertRoundTrip(new SnapshotChunk("n1", "n2", 9, Long.MAX_VALUE, 8, 1L << 40, data, true, new byte[300]));
    }

    @Test
    void encodingRejectsNegativeSnapshotPositions() {
        byte[] none = new byte[0];
        assertThrows(IllegalArgumentException.class,
                () -> MessageCodec.encode(new SnapshotChunk("a", "b", 1, -1, 1, 0, none, false, none)));
        assertThrows(IllegalArgumentException.class,
                () -> MessageCodec.encode(new SnapshotChunk("a", "b", 1, 5, -1, 0, none, false, none)));
        assertThrows(IllegalArgumentException.class,
                () -> MessageCodec.encode(new SnapshotChunk("a", "b", 1, 5, 1, -3, none, false, none)));
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new SnapshotAck("a", "b", 1, -1, 0)));
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new SnapshotAck("a", "b", 1, 5, -1)));
    }

    @Test
    void decodingRejectsNegativeSnapshotPositions() {
        byte[] chunk = MessageCodec.encode(new SnapshotChunk("a", "b", 1, 5, 1, 0, new byte[0], false, new byte[0]));
        int afterHeader = 2 + 2 + 2 + 8; // version, type, two one-byte ids with their lengths, term
        for (int field = 0; field < 3; field++) {
            byte[] f = chunk.clone();
            ByteBuffer.wrap(f).putLong(afterHeader + 8 * field, -1);
            assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(f), "field " + field);
        }
        byte[] ack = MessageCodec.encode(new SnapshotAck("a", "b", 1, 5, 7));
        for (int field = 0; field < 2; field++) {
            byte[] f = ack.clone();
            ByteBuffer.wrap(f).putLong(afterHeader + 8 * field, Long.MIN_VALUE);
            assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(f), "field " + field);
        }
    }

    @Test
    void snapshotChunkLengthsAreCheckedAgainstTheFrame() {
        byte[] frame = MessageCodec.encode(new SnapshotChunk("a", "b", 1, 5, 1, 0, new byte[] {1, 2}, true,
                new byte[] {3}));
        int dataLengthAt = 2 + 2 + 2 + 8 + 8 * 3 + 1;
        int configLengthAt = dataLengthAt + 4 + 2;
        for (int at : new int[] {dataLengthAt, configLengthAt}) {
            for (int length : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1000}) {
                byte[] f = frame.clone();
                ByteBuffer.wrap(f).putInt(at, length);
                assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(f),
                        "length " + length + " at " + at);
            }
        }
        // Unknown flag bits in the chunk's flags byte.
        byte[] flags = frame.clone();
        flags[dataLengthAt - 1] |= 0x02;
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(flags));
        for (int len = 0; len < frame.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(frame, len);
            assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(cut), "length " + len);
        }
    }

    @Test
    void nonAsciiAndMaximumLengthIdsRoundTrip() {
        assertRoundTrip(new TimeoutNow("nœud-ü", "节点", 1));
        assertRoundTrip(new TimeoutNow("x".repeat(255), "", 1));
    }

    @Test
    void encodingRejectsIdsLongerThan255Bytes() {
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new TimeoutNow("x".repeat(256), "y", 1)));
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new TimeoutNow("é".repeat(128), "y", 1)));
    }

    @Test
    void encodingRejectsNullIdsAndNonContiguousEntries() {
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.encode(new Heartbeat(null, "b", 1, 0, 0)));
        assertThrows(IllegalArgumentException.class,
                () -> MessageCodec.encode(new AppendRequest("a", "b", 4, 3, 3, ENTRIES, 0)));
    }

    @Test
    void unknownVersionAndTypeAreMalformed() {
        byte[] frame = MessageCodec.encode(new TimeoutNow("a", "b", 1));
        frame[0] = 2;
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));
        frame[0] = 1;
        frame[1] = 99;
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));
    }

    @Test
    void truncatedAndTrailingFramesAreMalformed() {
        byte[] frame = MessageCodec.encode(new AppendRequest("n1", "n2", 4, 7, 3, ENTRIES, 6));
        for (int len = 0; len < frame.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(frame, len);
            assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(cut), "length " + len);
        }
        byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 1);
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(longer));
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(null));
    }

    @Test
    void hugeEntryCountIsRejectedWithoutAllocating() {
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(appendHeader(Integer.MAX_VALUE)));
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(appendHeader(-1)));
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(appendHeader(1_000_000)));
    }

    @Test
    void oversizedOrNegativeDataLengthIsMalformed() {
        for (int length : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1}) {
            ByteBuffer b = ByteBuffer.allocate(200);
            b.put(appendHeader(1));
            b.putLong(1).putLong(1).put((byte) EntryType.COMMAND.code()).putInt(length);
            byte[] frame = java.util.Arrays.copyOf(b.array(), b.position());
            assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame), "length " + length);
        }
    }

    @Test
    void invalidEntryValuesAreMalformed() {
        long[][] cases = {{0, 1, EntryType.COMMAND.code()}, {1, 0, EntryType.COMMAND.code()}, {1, 1, 0}, {1, 1, 200}};
        for (long[] c : cases) {
            ByteBuffer b = ByteBuffer.allocate(200);
            b.put(appendHeader(1));
            b.putLong(c[0]).putLong(c[1]).put((byte) c[2]).putInt(0);
            byte[] frame = java.util.Arrays.copyOf(b.array(), b.position());
            MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));
            assertTrue(e.getMessage().contains("entry"), e.getMessage());
        }
    }

    @Test
    void invalidUtf8IdIsMalformed() {
        byte[] frame = MessageCodec.encode(new TimeoutNow("ab", "c", 1));
        frame[3] = (byte) 0xC0; // overlong-encoding lead byte
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));
    }

    @Test
    void unknownFlagBitsAreMalformed() {
        byte[] frame = MessageCodec.encode(new VoteResponse("a", "b", 1, true, true));
        frame[frame.length - 1] |= 0x04;
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));
    }

    /** An AppendRequest frame from "a" to "b" with prevLogIndex 0, cut off right after the entry count. */
    private static byte[] appendHeader(int count) {
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + 2 + 8 * 4 + 4);
        b.put((byte) 1).put((byte) 3);
        b.put((byte) 1).put((byte) 'a').put((byte) 1).put((byte) 'b');
        b.putLong(1).putLong(0).putLong(0).putLong(0).putInt(count);
        return b.array();
    }

    @Test
    void decodeOfMutatedFramesReturnsAMessageOrThrowsMalformedMessageException() {
        long seed = Long.getLong("tally.fuzz.seed", 42L);
        System.out.println("MessageCodecTest fuzz seed: " + seed + " (set -Dtally.fuzz.seed to reproduce)");
        Random rnd = new Random(seed);
        int decoded = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] frame = mutate(rnd, MessageCodec.encode(randomMessage(rnd)));
            RaftMessage m;
            try {
                m = MessageCodec.decode(frame);
            } catch (MalformedMessageException expected) {
                continue;
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " iteration " + i + ": decode threw " + t
                        + " for frame " + HexFormat.of().formatHex(frame), t);
            }
            decoded++;
            // Canonical encoding: whatever decodes re-encodes to the very same bytes.
            byte[] again = MessageCodec.encode(m);
            if (!java.util.Arrays.equals(frame, again)) {
                fail("seed " + seed + " iteration " + i + ": " + m + " decoded from "
                        + HexFormat.of().formatHex(frame) + " re-encodes as " + HexFormat.of().formatHex(again));
            }
        }
        System.out.println("MessageCodecTest fuzz: " + decoded + " of 50000 mutated frames still decoded");
    }

    private static byte[] mutate(Random rnd, byte[] frame) {
        switch (rnd.nextInt(5)) {
            case 0 -> {
                return java.util.Arrays.copyOf(frame, rnd.nextInt(frame.length + 1));
            }
            case 1 -> {
                byte[] f = frame.clone();
                int flips = 1 + rnd.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    int bit = rnd.nextInt(f.length * 8);
                    f[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                return f;
            }
            case 2 -> {
                byte[] f = frame.clone();
                int n = 1 + rnd.nextInt(4);
                for (int k = 0; k < n; k++) {
                    f[rnd.nextInt(f.length)] = (byte) rnd.nextInt(256);
                }
                return f;
            }
            case 3 -> {
                byte[] garbage = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(garbage);
                byte[] f = java.util.Arrays.copyOf(frame, frame.length + garbage.length);
                System.arraycopy(garbage, 0, f, frame.length, garbage.length);
                return f;
            }
            default -> {
                byte[] f = new byte[rnd.nextInt(64)];
                rnd.nextBytes(f);
                if (f.length > 1 && rnd.nextBoolean()) {
                    f[0] = 1; // a valid version, so decoding gets further
                    f[1] = (byte) (1 + rnd.nextInt(9));
                }
                return f;
            }
        }
    }

    private static RaftMessage randomMessage(Random rnd) {
        String from = "n" + rnd.nextInt(5);
        String to = "n" + rnd.nextInt(5);
        long term = rnd.nextInt(100);
        return switch (rnd.nextInt(9)) {
            case 0 -> new VoteRequest(from, to, term, rnd.nextInt(1000), rnd.nextInt(100), rnd.nextBoolean(),
                    rnd.nextBoolean());
            case 1 -> new VoteResponse(from, to, term, rnd.nextBoolean(), rnd.nextBoolean());
            case 2 -> {
                long prev = rnd.nextInt(1000);
                List<Entry> entries = new ArrayList<>();
                int n = rnd.nextInt(4);
                for (int k = 0; k < n; k++) {
                    byte[] data = new byte[rnd.nextInt(12)];
                    rnd.nextBytes(data);
                    EntryType type = EntryType.values()[rnd.nextInt(EntryType.values().length)];
                    entries.add(new Entry(prev + 1 + k, 1 + rnd.nextInt(100), type, data));
                }
                yield new AppendRequest(from, to, term, prev, rnd.nextInt(100), entries, rnd.nextInt(1000));
            }
            case 3 -> new AppendResponse(from, to, term, rnd.nextBoolean(), rnd.nextInt(1000), rnd.nextInt(1000),
                    rnd.nextInt(100), rnd.nextInt(1000));
            case 4 -> new Heartbeat(from, to, term, rnd.nextInt(1000), rnd.nextInt(1000), rnd.nextInt(1000));
            case 5 -> new HeartbeatResponse(from, to, term, rnd.nextInt(1000));
            case 6 -> new TimeoutNow(from, to, term);
            case 7 -> {
                byte[] data = new byte[rnd.nextInt(20)];
                rnd.nextBytes(data);
                byte[] configuration = new byte[rnd.nextInt(8)];
                rnd.nextBytes(configuration);
                yield new SnapshotChunk(from, to, term, rnd.nextInt(1000), rnd.nextInt(100), rnd.nextInt(5000), data,
                        rnd.nextBoolean(), configuration);
            }
            default -> new SnapshotAck(from, to, term, rnd.nextInt(1000), rnd.nextInt(5000));
        };
    }
}
