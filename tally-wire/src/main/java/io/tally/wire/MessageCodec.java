package io.tally.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tally.raft.message.RaftMessage;
import io.tally.wire.v1.Addressed;

/**
 * Raft messages as bytes, with their sender and receiver ({@code Addressed}, docs/wire.md): the encoding the
 * simulator and the in-process network use. The message itself is the TCP transport's frame ({@link WireMessages}),
 * so every network runs the same codec and the same validation; only the addressing differs (the TCP transport takes
 * it from the connection's handshake).
 */
public final class MessageCodec {

    private MessageCodec() {
    }

    public static byte[] encode(RaftMessage m) {
        return Addressed.newBuilder().setFrom(m.from()).setTo(m.to()).setFrame(WireMessages.toFrame(m)).build().toByteArray();
    }

    /**
     * @throws WireFormatException if the bytes are not an addressed Raft message, or the message breaks a rule
     */
    public static RaftMessage decode(byte[] bytes) throws WireFormatException {
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
}
