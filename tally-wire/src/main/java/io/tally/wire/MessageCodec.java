package io.tally.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.RaftMessage;
import io.tally.wire.v1.Addressed;

import java.io.IOException;

/**
 * Raft messages as bytes, with their sender and receiver ({@code Addressed}, docs/wire.md): the encoding the
 * simulator and the in-process network use. The message itself is the TCP transport's frame ({@link WireMessages}),
 * so every network runs the same codec and the same validation; only the addressing differs (the TCP transport takes
 * it from the connection's handshake).
 *
 * <p>AppendRequests are written and read by {@link AppendRequestWire} (the same bytes, without an object per entry);
 * every other message, and any AppendRequest not in canonical form, goes through the generated code.
 */
public final class MessageCodec {

    private static final int FROM = Addressed.FROM_FIELD_NUMBER;
    private static final int TO = Addressed.TO_FIELD_NUMBER;
    private static final int FRAME = Addressed.FRAME_FIELD_NUMBER;

    private MessageCodec() {
    }

    public static byte[] encode(RaftMessage m) {
        if (m instanceof AppendRequest a) {
            return encodeAppend(a);
        }
        return encodeGenerated(m);
    }

    /**
     * @throws WireFormatException if the bytes are not an addressed Raft message, or the message breaks a rule
     */
    public static RaftMessage decode(byte[] bytes) throws WireFormatException {
        RaftMessage fast = decodeAppend(bytes);
        return fast != null ? fast : decodeGenerated(bytes);
    }

    /** Every message through the generated code (the oracle of {@code MessageCodecTest}). */
    static RaftMessage decodeGenerated(byte[] bytes) throws WireFormatException {
        Addressed a;
        try {
            a = Addressed.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new WireFormatException("not an addressed message: " + e.getMessage(), e);
        }
        if (a.getFrom().isEmpty() || a.getTo().isEmpty()) {
            throw new WireFormatException("an addressed message needs a sender and a receiver");
        }
        return WireMessages.fromFrame(a.getFrame(), a.getFrom(), a.getTo());
    }

    /** Every message through the generated code (the oracle of {@code MessageCodecTest}). */
    static byte[] encodeGenerated(RaftMessage m) {
        return Addressed.newBuilder().setFrom(m.from()).setTo(m.to()).setFrame(WireMessages.toFrame(m)).build().toByteArray();
    }

    private static byte[] encodeAppend(AppendRequest a) {
        int frame = WireMessages.appendFrameBytes(a);
        int size = stringSize(FROM, a.from()) + stringSize(TO, a.to())
                + CodedOutputStream.computeTagSize(FRAME) + CodedOutputStream.computeUInt32SizeNoTag(frame) + frame;
        byte[] bytes = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            if (!a.from().isEmpty()) {
                out.writeString(FROM, a.from());
            }
            if (!a.to().isEmpty()) {
                out.writeString(TO, a.to());
            }
            out.writeTag(FRAME, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(frame);
            WireMessages.writeAppendFrame(a, out);
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + a, e);
        }
        return bytes;
    }

    /**
     * The AppendRequest in {@code bytes} if they hold one in the canonical form {@link #encodeAppend} writes (sender,
     * receiver, then a frame holding only the request) that breaks no rule, else null.
     */
    private static RaftMessage decodeAppend(byte[] bytes) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        try {
            if (in.readTag() != tag(FROM, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                return null;
            }
            String from = in.readStringRequireUtf8();
            if (in.readTag() != tag(TO, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                return null;
            }
            String to = in.readStringRequireUtf8();
            if (from.isEmpty() || to.isEmpty()
                    || in.readTag() != tag(FRAME, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                return null;
            }
            int frameLimit = in.pushLimit(in.readRawVarint32());
            AppendRequest a = WireMessages.readAppendFrame(in, from, to);
            if (a == null) {
                return null;
            }
            in.popLimit(frameLimit);
            return in.isAtEnd() ? a : null;
        } catch (IOException e) {
            return null; // malformed: the generated parser says why
        }
    }

    private static int tag(int field, int wireType) {
        return field << AppendRequestWire.TAG_TYPE_BITS | wireType;
    }

    private static int stringSize(int field, String value) {
        return value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, value);
    }
}
