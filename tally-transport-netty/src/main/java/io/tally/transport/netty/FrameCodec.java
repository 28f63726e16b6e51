package io.tally.transport.netty;

import io.tally.raft.message.AppendRequest;
import io.tally.wire.WireFormatException;
import io.tally.wire.WireMessages;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tally.wire.v1.Frame;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The framing of docs/wire.md: {@code u32 length | u32 crc32c(payload) | payload}, big-endian, where the
 * payload is one protobuf {@link Frame} of {@code length} bytes. The checksum catches what TCP's does not
 * (and any corruption between the two ends), so a flipped bit is a rejected frame, never a wrong message.
 */
public final class FrameCodec {

    /** Bytes before the payload: the length and the checksum. */
    public static final int HEADER_BYTES = 8;

    private FrameCodec() {
    }

    /** Encodes one frame into a new buffer from {@code alloc}. */
    public static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        return encode(alloc, frame.getSerializedSize(), frame::writeTo, frame.getBodyCase());
    }

    /**
     * Encodes the frame of an AppendRequest into a new buffer from {@code alloc} without building its protobuf form
     * ({@link WireMessages#writeAppendFrame}: the same bytes); {@code frameBytes} is
     * {@link WireMessages#appendFrameBytes}.
     */
    public static ByteBuf encodeAppend(ByteBufAllocator alloc, AppendRequest a, int frameBytes) {
        return encode(alloc, frameBytes, out -> WireMessages.writeAppendFrame(a, out), a);
    }

    /** What writes a frame's {@code size} bytes. */
    private interface PayloadWriter {
        void writeTo(CodedOutputStream out) throws IOException;
    }

    private static ByteBuf encode(ByteBufAllocator alloc, int size, PayloadWriter payload, Object what) {
        ByteBuf buf = alloc.buffer(HEADER_BYTES + size);
        try {
            buf.writeInt(size);
            buf.writeInt(0); // checksum, filled in below
            CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(HEADER_BYTES, size));
            payload.writeTo(out);
            out.checkNoSpaceLeft();
            buf.writerIndex(HEADER_BYTES + size);
            buf.setInt(4, checksum(buf, HEADER_BYTES, size));
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new IllegalStateException("cannot encode " + what, e);
        }
    }

    /** Encodes one frame into a byte array (tests and tools). */
    public static byte[] encode(Frame frame) {
        byte[] payload = frame.toByteArray();
        return withHeader(payload, payload.length);
    }

    /** {@code payload} behind a header that declares {@code declaredLength} and checksums the payload. */
    public static byte[] withHeader(byte[] payload, int declaredLength) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        b.putInt(declaredLength).putInt((int) crc.getValue()).put(payload);
        return b.array();
    }

    /** Parses a payload whose checksum was verified. */
    public static Frame parse(ByteBuf payload) throws WireFormatException {
        try {
            return Frame.parseFrom(payload.nioBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new WireFormatException("payload does not parse: " + e.getMessage(), e);
        }
    }

    static int checksum(ByteBuf buf, int index, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buf.nioBuffer(index, length));
        return (int) crc.getValue();
    }
}
