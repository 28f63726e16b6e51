package io.tally.transport.netty;

import io.tally.wire.WireMessages;
import io.tally.wire.WireFormatException;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.tally.raft.message.Heartbeat;
import io.tally.wire.v1.Frame;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameDecoderTest {

    private final Frame frame = WireMessages.toFrame(new Heartbeat("a", "b", 4, 20, 18));

    @Test
    void framesSplitAcrossReadsAndPackedTogetherAreDecoded() {
        byte[] one = FrameCodec.encode(frame);
        byte[] two = new byte[one.length * 2];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(two, 0, 3)));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(two, 3, one.length + 5)));
        assertEquals(frame, ch.readInbound());
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(two, one.length + 5, two.length)));
        assertEquals(frame, ch.readInbound());
    }

    @Test
    void anOversizedLengthIsRefusedBeforeItsBytesArrive() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        byte[] header = FrameCodec.withHeader(new byte[0], 1025);
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(header)));
        assertInstanceOf(WireFormatException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("exceeds the limit"));
        EmbeddedChannel huge = new EmbeddedChannel(new FrameDecoder(1024));
        byte[] negative = FrameCodec.withHeader(new byte[0], -1); // 4 GiB - 1 unsigned
        assertThrows(DecoderException.class, () -> huge.writeInbound(Unpooled.wrappedBuffer(negative)));
    }

    @Test
    void aFlippedBitFailsTheChecksum() {
        byte[] bytes = FrameCodec.encode(frame);
        for (int bit = FrameCodec.HEADER_BYTES * 8; bit < bytes.length * 8; bit++) {
            byte[] flipped = bytes.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
            DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(flipped)));
            assertTrue(e.getCause().getMessage().contains("checksum"), e.getCause().getMessage());
        }
    }

    @Test
    void aChecksummedPayloadThatIsNotProtobufIsRefused() {
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(FrameCodec.withHeader(garbage, garbage.length))));
        assertTrue(e.getCause().getMessage().contains("does not parse"), e.getCause().getMessage());
    }
}
