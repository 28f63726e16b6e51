package io.tally.transport.netty;

import io.tally.wire.WireFormatException;
import io.tally.wire.WireMessages;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into frames ({@link FrameCodec}), refusing any whose declared length exceeds
 * the limit before reading it (so a hostile length never makes us buffer) and any whose checksum does not
 * match. Emits each verified payload, parsed, as a {@link io.tally.wire.v1.Frame}.
 * A failure is a {@link WireFormatException} (wrapped by Netty in a DecoderException) and ends the connection.
 */
final class FrameDecoder extends ByteToMessageDecoder {

    private final int maxFrameBytes;
    private final boolean appendsUnparsed;

    /** A decoder that parses every frame (the dialing side, which is sent no Raft messages). */
    FrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, false);
    }

    /** With {@code appendsUnparsed}, AppendRequest frames are emitted as {@link AppendPayload}s. */
    FrameDecoder(int maxFrameBytes, boolean appendsUnparsed) {
        this.maxFrameBytes = maxFrameBytes;
        this.appendsUnparsed = appendsUnparsed;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        while (in.readableBytes() >= FrameCodec.HEADER_BYTES) {
            int start = in.readerIndex();
            long length = in.getUnsignedInt(start);
            if (length > maxFrameBytes) {
                throw new WireFormatException("frame of " + length + " bytes exceeds the limit of " + maxFrameBytes);
            }
            if (in.readableBytes() < FrameCodec.HEADER_BYTES + length) {
                return; // wait for the rest
            }
            int expected = in.getInt(start + 4);
            int actual = FrameCodec.checksum(in, start + FrameCodec.HEADER_BYTES, (int) length);
            if (expected != actual) {
                throw new WireFormatException("frame checksum mismatch");
            }
            ByteBuf payload = in.slice(start + FrameCodec.HEADER_BYTES, (int) length);
            in.readerIndex(start + FrameCodec.HEADER_BYTES + (int) length);
            if (appendsUnparsed && WireMessages.isAppendFrame(payload.nioBuffer())) {
                out.add(new AppendPayload(payload.retain()));
            } else {
                out.add(FrameCodec.parse(payload));
            }
        }
    }

    /** Whether bytes of an unfinished frame are buffered (a peer that stalls mid-frame). */
    boolean midFrame() {
        return actualReadableBytes() > 0;
    }

    /** The verified, unparsed bytes of an AppendRequest frame; whoever takes it releases the buffer. */
    record AppendPayload(ByteBuf payload) {
    }
}
