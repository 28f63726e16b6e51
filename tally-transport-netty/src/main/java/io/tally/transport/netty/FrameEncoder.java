package io.tally.transport.netty;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.tally.wire.v1.Frame;

import java.util.List;

/** Writes {@link Frame}s in the framing of {@link FrameCodec}. Stateless, so one instance serves every channel. */
@ChannelHandler.Sharable
final class FrameEncoder extends MessageToMessageEncoder<Frame> {

    static final FrameEncoder INSTANCE = new FrameEncoder();

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        out.add(FrameCodec.encode(ctx.alloc(), frame));
    }
}
