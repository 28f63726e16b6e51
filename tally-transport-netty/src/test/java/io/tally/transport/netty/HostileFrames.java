package io.tally.transport.netty;

import io.tally.wire.WireMessages;

import com.google.protobuf.ByteString;
import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.SnapshotChunk;
import io.tally.raft.message.VoteRequest;
import io.tally.wire.v1.Frame;
import io.tally.wire.v1.Hello;
import io.tally.wire.v1.Lane;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates what a broken or hostile peer might send to a node: one connection's worth of bytes, every one
 * of which the node must refuse. Attack {@code i} of seed {@code s} is always the same bytes (replayable).
 * Frames that claim to come from a member are made unacceptable by construction (a wrong checksum, a
 * truncation, an oversized length, an invalid field), never by luck; checksummed random payloads are kept
 * only if the decoder's own rules refuse them.
 */
final class HostileFrames {

    enum Kind {
        RANDOM_BYTES, BAD_HELLO, MUTATED_HELLO, GARBAGE_AFTER_HELLO, BIT_FLIPPED, TRUNCATED, OVERSIZED,
        WRONG_CHECKSUM, CHECKSUMMED_GARBAGE, INVALID_MESSAGE, OUT_OF_PLACE
    }

    record Attack(long index, Kind kind, byte[] bytes, boolean needsHalfClose) {
    }

    private final long seed;
    private final String cluster;
    private final String target;
    private final int maxFrameBytes;

    HostileFrames(long seed, String cluster, String target, int maxFrameBytes) {
        this.seed = seed;
        this.cluster = cluster;
        this.target = target;
        this.maxFrameBytes = maxFrameBytes;
    }

    Attack attack(long index) {
        SplittableRandom r = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
        Kind kind = Kind.values()[r.nextInt(Kind.values().length)];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean halfClose = false;
        switch (kind) {
            case RANDOM_BYTES -> {
                out.writeBytes(randomBytes(r, 1 + r.nextInt(200)));
                halfClose = true;
            }
            case BAD_HELLO -> out.writeBytes(FrameCodec.encode(badHello(r)));
            case MUTATED_HELLO -> {
                byte[] h = FrameCodec.encode(hello());
                flipBits(r, h, FrameCodec.HEADER_BYTES, 1 + r.nextInt(3));
                out.writeBytes(h);
            }
            case GARBAGE_AFTER_HELLO -> {
                out.writeBytes(FrameCodec.encode(hello()));
                out.writeBytes(randomBytes(r, 1 + r.nextInt(200)));
                halfClose = true;
            }
            case BIT_FLIPPED -> {
                out.writeBytes(FrameCodec.encode(hello()));
                byte[] f = FrameCodec.encode(WireMessages.toFrame(message(r)));
                flipBits(r, f, 4, 1 + r.nextInt(4)); // anywhere in the checksum or the payload
                out.writeBytes(f);
            }
            case TRUNCATED -> {
                out.writeBytes(FrameCodec.encode(hello()));
                byte[] f = FrameCodec.encode(WireMessages.toFrame(message(r)));
                out.write(f, 0, 1 + r.nextInt(f.length - 1));
                halfClose = true;
            }
            case OVERSIZED -> {
                out.writeBytes(FrameCodec.encode(hello()));
                long declared = maxFrameBytes + 1L + (long) (r.nextDouble() * (0xFFFFFFFFL - maxFrameBytes - 1L));
                out.writeBytes(FrameCodec.withHeader(randomBytes(r, r.nextInt(64)), (int) declared));
            }
            case WRONG_CHECKSUM -> {
                out.writeBytes(FrameCodec.encode(hello()));
                byte[] f = FrameCodec.encode(WireMessages.toFrame(message(r)));
                int delta = 1 + r.nextInt(Integer.MAX_VALUE);
                int crc = ((f[4] & 0xff) << 24 | (f[5] & 0xff) << 16 | (f[6] & 0xff) << 8 | (f[7] & 0xff)) + delta;
                f[4] = (byte) (crc >>> 24);
                f[5] = (byte) (crc >>> 16);
                f[6] = (byte) (crc >>> 8);
                f[7] = (byte) crc;
                out.writeBytes(f);
            }
            case CHECKSUMMED_GARBAGE -> {
                out.writeBytes(FrameCodec.encode(hello()));
                byte[] payload;
                do {
                    payload = randomBytes(r, 1 + r.nextInt(100));
                } while (acceptable(payload));
                out.writeBytes(FrameCodec.withHeader(payload, payload.length));
            }
            case INVALID_MESSAGE -> {
                out.writeBytes(FrameCodec.encode(hello()));
                out.writeBytes(FrameCodec.encode(invalidMessage(r)));
            }
            case OUT_OF_PLACE -> {
                out.writeBytes(FrameCodec.encode(hello()));
                out.writeBytes(FrameCodec.encode(outOfPlace(r)));
            }
        }
        return new Attack(index, kind, out.toByteArray(), halfClose);
    }

    /** Whether a checksummed payload would get past the decoder (then it is not an attack but a message). */
    private static boolean acceptable(byte[] payload) {
        try {
            Frame f = Frame.parseFrom(payload);
            if (f.getBodyCase() == Frame.BodyCase.PING) {
                return true; // answered, not refused: harmless, but not an attack either
            }
            WireMessages.fromFrame(f, "fuzzer", "target");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private Frame hello() {
        return Frame.newBuilder().setHello(Hello.newBuilder().setVersion(NettyTransport.PROTOCOL_VERSION)
                .setClusterId(cluster).setFrom("fuzzer").setTo(target).setLane(Lane.LANE_DATA)).build();
    }

    private Frame badHello(SplittableRandom r) {
        Hello.Builder h = hello().getHello().toBuilder();
        switch (r.nextInt(6)) {
            case 0 -> h.setVersion(r.nextBoolean() ? 0 : 2 + r.nextInt(Integer.MAX_VALUE - 2));
            case 1 -> h.setClusterId(cluster + "-" + r.nextInt(1000));
            case 2 -> h.setTo(target + "x");
            case 3 -> h.setFrom(r.nextBoolean() ? "" : target);
            case 4 -> h.setFrom("x".repeat(256 + r.nextInt(100)));
            default -> h.setLaneValue(r.nextBoolean() ? 0 : 3 + r.nextInt(100));
        }
        return Frame.newBuilder().setHello(h).build();
    }

    private static RaftMessage message(SplittableRandom r) {
        long term = 1 + r.nextInt(1000);
        return switch (r.nextInt(4)) {
            case 0 -> new VoteRequest("fuzzer", "target", term + 1000, r.nextInt(1000), r.nextInt(1000), r.nextBoolean(), false);
            case 1 -> new Heartbeat("fuzzer", "target", term + 1000, r.nextInt(1000), 0);
            case 2 -> {
                List<Entry> entries = new ArrayList<>();
                long prev = r.nextInt(100);
                for (int i = 0; i < r.nextInt(5); i++) {
                    entries.add(new Entry(prev + i + 1, term, EntryType.COMMAND, randomBytes(r, r.nextInt(64))));
                }
                yield new AppendRequest("fuzzer", "target", term + 1000, prev, term, entries, prev);
            }
            default -> new SnapshotChunk("fuzzer", "target", term + 1000, 50, term, 0, randomBytes(r, r.nextInt(128)),
                    r.nextBoolean(), new byte[] {1});
        };
    }

    /** A well-formed, correctly checksummed frame whose content breaks a rule of the decoder. */
    private static Frame invalidMessage(SplittableRandom r) {
        long huge = Long.MIN_VALUE + r.nextInt(1000); // above Long.MAX_VALUE as uint64
        return switch (r.nextInt(5)) {
            case 0 -> Frame.newBuilder().setHeartbeat(io.tally.wire.v1.Heartbeat.newBuilder()
                    .setTerm(huge)).build();
            case 1 -> Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder()
                    .setTerm(1 + r.nextInt(9)).addEntries(io.tally.wire.v1.Entry.newBuilder()
                            .setTerm(0).setType(io.tally.wire.v1.EntryType.COMMAND))).build();
            case 2 -> Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder()
                    .setTerm(1).addEntries(io.tally.wire.v1.Entry.newBuilder().setTerm(1)
                            .setTypeValue(r.nextBoolean() ? 0 : 5 + r.nextInt(100))
                            .setData(ByteString.copyFrom(randomBytes(r, r.nextInt(16)))))).build();
            case 3 -> Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder()
                    .setTerm(1).setPrevLogIndex(huge)).build();
            default -> Frame.newBuilder().setSnapshotAck(io.tally.wire.v1.SnapshotAck.newBuilder()
                    .setTerm(1).setLastIndex(huge).setNextOffset(huge)).build();
        };
    }

    /** A frame of a kind that has no business after the handshake. */
    private Frame outOfPlace(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> hello();
            case 1 -> Frame.newBuilder().setWelcome(io.tally.wire.v1.Welcome.newBuilder()
                    .setVersion(1).setClusterId(cluster).setNodeId("fuzzer")).build();
            case 2 -> Frame.newBuilder().setReject(io.tally.wire.v1.Reject.newBuilder().setReason("no")).build();
            case 3 -> Frame.newBuilder().setPong(io.tally.wire.v1.Pong.newBuilder().setNonce(r.nextLong())).build();
            default -> Frame.getDefaultInstance();
        };
    }

    private static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** Flips {@code count} distinct bits at or after byte {@code from}. */
    private static void flipBits(SplittableRandom r, byte[] b, int from, int count) {
        java.util.Set<Integer> done = new java.util.HashSet<>();
        int bits = (b.length - from) * 8;
        while (done.size() < Math.min(count, bits)) {
            int bit = from * 8 + r.nextInt(bits);
            if (done.add(bit)) {
                b[bit / 8] ^= (byte) (1 << (bit % 8));
            }
        }
    }
}
