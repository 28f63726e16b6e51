package io.tally.raft.message;

import io.tally.raft.core.Entry;
import io.tally.raft.core.EntryType;
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
        assertRoundTrip(new Heartbeat("n1", "n2", 4, 9, 7));
        assertRoundTrip(new HeartbeatResponse("n2", "n1", 4));
        assertRoundTrip(new TimeoutNow("n1", "n2", 4));
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
                    f[1] = (byte) (1 + rnd.nextInt(7));
                }
                return f;
            }
        }
    }

    private static RaftMessage randomMessage(Random rnd) {
        String from = "n" + rnd.nextInt(5);
        String to = "n" + rnd.nextInt(5);
        long term = rnd.nextInt(100);
        return switch (rnd.nextInt(7)) {
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
            case 4 -> new Heartbeat(from, to, term, rnd.nextInt(1000), rnd.nextInt(1000));
            case 5 -> new HeartbeatResponse(from, to, term);
            default -> new TimeoutNow(from, to, term);
        };
    }
}
