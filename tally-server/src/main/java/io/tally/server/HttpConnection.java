package io.tally.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP/1.1 connection: admits each request ({@link HttpFrontDoor#admit()}), hands it to the {@link Router}, and
 * writes the answers in the order of the requests (pipelining), each as soon as it and those before it are ready.
 * Pipelined GETs are served in parallel; a request that may change state starts only once every request before it
 * is answered, and holds back those after it until it is answered itself (RFC 9112 §9.3.2), so that a pipelined
 * {@code PUT} then {@code GET} reads the write.
 *
 * <p>Everything here runs on the connection's event loop; a handler's future may complete on any thread, and its
 * answer comes back to the loop. While many answers are pending it stops reading (TCP pushes back on the client).
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {

    /** Requests pending on one connection before it stops reading more. */
    static final int MAX_PIPELINED = 128;

    /** A request in its place in the connection's order, with its answer once known. */
    private static final class Slot {
        final Exchange ex;
        final String operation;
        final boolean keepAlive;
        final HttpVersion version;
        final boolean closeAfter;
        final boolean safe;
        final long startNanos = System.nanoTime();
        boolean admitted;
        boolean started;
        Reply reply;

        Slot(Exchange ex, String operation, IncomingRequest in) {
            this.ex = ex;
            this.operation = operation;
            this.keepAlive = HttpUtil.isKeepAlive(in.head()) && !in.closeAfter();
            this.version = in.head().protocolVersion();
            this.closeAfter = in.closeAfter();
            String m = in.head().method().name();
            this.safe = m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS");
        }
    }

    private final HttpFrontDoor server;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean continueWanted;
    private boolean closing;
    /** An answer that closes the connection was written: nothing may follow it. */
    private boolean finished;
    private boolean starting;
    private boolean startAgain;
    /** The answer whose body is being streamed, if any: nothing after it is written until it ends. */
    private Streaming streaming;

    HttpConnection(HttpFrontDoor server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        server.opened(this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg == RequestAggregator.CONTINUE) {
            continueWanted = true;
            drain();
            return;
        }
        IncomingRequest in = (IncomingRequest) msg;
        URI uri = null;
        try {
            uri = new URI(in.head().uri());
        } catch (URISyntaxException e) {
            // answered 400 below
        }
        String method = in.head().method().name();
        String path = uri == null || uri.getRawPath() == null ? "" : uri.getRawPath();
        Exchange ex = null;
        Slot slot;
        try {
            if (in.refusal() != null) {
                throw in.refusal();
            }
            if (uri == null || uri.getRawPath() == null) {
                throw HttpError.badRequest("malformed request target: " + in.head().uri());
            }
            ex = new Exchange(ctx.channel().eventLoop(), method, path, uri.getRawQuery(), in.head().headers(), in.body());
        } catch (HttpError e) {
            answer(enqueue(null, method, path, in), Reply.of(e));
            return;
        }
        slot = enqueue(ex, method, path, in);
        if (closing) {
            answer(slot, Reply.of(HttpError.shuttingDown()));
        } else if ((method.equals("GET") || method.equals("HEAD")) && ProbeHandler.PATHS.contains(path)) {
            // A probe is answered now, from published state, and is not counted against the in-flight bound: a node
            // full of client requests still tells its supervisor that it lives. Only answers to requests pipelined
            // before it on this connection go first (HTTP/1.1 answers in order); probes use a connection of their own.
            answer(slot, server.probes().answer(path));
        } else if (!server.admit()) {
            answer(slot, Reply.of(HttpError.overloaded("the node serves as many HTTP requests as it may ("
                    + server.maxInFlight() + ", --max-http-in-flight); retry after a pause, or through another node")));
        } else {
            slot.admitted = true;
            startReady();
        }
    }

    /** Starts every request whose turn has come (see the class comment). Re-entrant: a start may answer at once. */
    private void startReady() {
        if (starting) {
            startAgain = true;
            return;
        }
        starting = true;
        try {
            do {
                startAgain = false;
                Slot next = nextToStart();
                if (next != null) {
                    next.started = true;
                    serve(next);
                    startAgain = true;
                }
            } while (startAgain);
        } finally {
            starting = false;
        }
    }

    private Slot nextToStart() {
        if (closing) {
            return null; // shutdown answers what has not started
        }
        boolean unansweredBefore = false;
        boolean unsafeBefore = false;
        for (Slot s : slots) {
            if (s.reply != null) {
                continue;
            }
            if (!s.started) {
                return (s.safe ? !unsafeBefore : !unansweredBefore) ? s : null;
            }
            unansweredBefore = true;
            unsafeBefore |= !s.safe;
        }
        return null;
    }

    private Slot enqueue(Exchange ex, String method, String path, IncomingRequest in) {
        Slot slot = new Slot(ex, Router.operation(method, path), in);
        slots.addLast(slot);
        if (slots.size() >= MAX_PIPELINED) {
            ctx.channel().config().setAutoRead(false);
        }
        return slot;
    }

    private void serve(Slot slot) {
        CompletableFuture<Reply> f;
        try {
            f = server.router().route(slot.ex);
        } catch (HttpError e) {
            answer(slot, Reply.of(e));
            return;
        } catch (RuntimeException e) {
            answer(slot, Reply.failure(e));
            return;
        }
        f.whenComplete((reply, failure) -> slot.ex.onLoop(
                () -> answer(slot, failure == null ? reply : Reply.failure(failure)), new CompletableFuture<>()));
    }

    /** On the event loop: {@code slot} has its answer; write whatever is ready, in order. */
    private void answer(Slot slot, Reply reply) {
        if (slot.reply != null) {
            return; // answered already (shutdown, or the client left)
        }
        slot.reply = reply;
        if (slot.ex != null) {
            slot.ex.answered(true);
        }
        if (slot.admitted) {
            server.release();
        }
        long nanos = System.nanoTime() - slot.startNanos;
        server.metrics().recordRequest(slot.operation, reply.status(), nanos);
        server.statusPage().activity().request(slot.operation, reply.status(), nanos, slot.ex != null && slot.ex.forwarded());
        drain();
        startReady();
    }

    private void drain() {
        if (finished || streaming != null) {
            return;
        }
        boolean wrote = false;
        while (!slots.isEmpty() && slots.peekFirst().reply != null && ctx.channel().isActive()) {
            Slot s = slots.pollFirst();
            if (s.reply.stream() != null) {
                startStream(s);
                return;
            }
            // While the server drains (a graceful stop), every answer closes its connection.
            boolean keepAlive = s.keepAlive && !server.draining();
            ChannelFuture written = ctx.write(response(s, keepAlive));
            wrote = true;
            if (!keepAlive) {
                finished = true;
                written.addListener(ChannelFutureListener.CLOSE);
                ctx.flush();
                return; // nothing after it is answered
            }
        }
        if (slots.isEmpty() && continueWanted && ctx.channel().isActive()) {
            continueWanted = false; // every earlier answer is out: the interim one belongs to the request being sent
            ctx.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        if (slots.size() < MAX_PIPELINED / 2 && !ctx.channel().config().isAutoRead() && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Writes the head of a streamed answer and hands its body to the stream. */
    private void startStream(Slot s) {
        Reply r = s.reply;
        HttpResponse head = new DefaultHttpResponse(s.version, HttpResponseStatus.valueOf(r.status()));
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            head.headers().set(h.getKey(), h.getValue());
        }
        HttpUtil.setTransferEncodingChunked(head, true);
        if (!s.keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(head);
        streaming = new Streaming(r.stream(), s.keepAlive);
        r.stream().start(streaming);
    }

    /** The body of a streamed answer being written; the stream's {@link ResponseStream.Sink}. */
    private final class Streaming implements ResponseStream.Sink {
        final ResponseStream stream;
        final boolean keepAlive;
        boolean ended;
        Runnable writabilityListener;

        Streaming(ResponseStream stream, boolean keepAlive) {
            this.stream = stream;
            this.keepAlive = keepAlive;
        }

        @Override
        public io.netty.channel.EventLoop loop() {
            return ctx.channel().eventLoop();
        }

        @Override
        public void write(byte[] chunk) {
            if (!ended && ctx.channel().isActive()) {
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
            }
        }

        @Override
        public boolean writable() {
            return ctx.channel().isWritable();
        }

        @Override
        public void onWritabilityChanged(Runnable listener) {
            this.writabilityListener = listener;
        }

        @Override
        public void end() {
            if (ended) {
                return;
            }
            ended = true;
            streaming = null;
            if (!ctx.channel().isActive()) {
                return;
            }
            ChannelFuture last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive || closing) {
                finished = true;
                last.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            drain();
            startReady();
        }

        /** The connection goes: the stream stops; with {@code endBody}, the body is ended properly first. */
        void abort(boolean endBody) {
            if (ended) {
                return;
            }
            ended = true;
            streaming = null;
            stream.cancel();
            if (endBody && ctx.channel().isActive()) {
                ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
    }

    private static FullHttpResponse response(Slot s, boolean keepAlive) {
        Reply r = s.reply;
        FullHttpResponse resp = new DefaultFullHttpResponse(s.version, HttpResponseStatus.valueOf(r.status()),
                Unpooled.wrappedBuffer(r.body()));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            resp.headers().set(h.getKey(), h.getValue());
        }
        HttpUtil.setContentLength(resp, r.body().length);
        if (!keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (s.version.equals(HttpVersion.HTTP_1_0)) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return resp;
    }

    /**
     * Shutdown: answers every request still waiting — 504 {@code outcome-unknown} when its write may be in the log,
     * else 503 {@code shutting-down} — then closes the connection once the answers are written. Completes when closed.
     */
    ChannelFuture shutdown() {
        try {
            ctx.channel().eventLoop().execute(this::shutdownOnLoop);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            ctx.channel().close();
        }
        return ctx.channel().closeFuture();
    }

    private void shutdownOnLoop() {
        closing = true;
        if (streaming != null) {
            streaming.abort(true);
        }
        for (Slot s : slots.toArray(Slot[]::new)) {
            if (s.reply == null) {
                answer(s, Reply.of(s.ex != null && s.ex.inDoubt()
                        ? HttpError.outcomeUnknown("the node is shutting down; the write was already proposed or sent to "
                                + "the leader and may still apply")
                        : HttpError.shuttingDown()));
            }
        }
        finished = true;
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A client that does not read its answers: stop reading its requests until it does.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable() && slots.size() < MAX_PIPELINED && !closing);
        if (streaming != null && streaming.writabilityListener != null) {
            streaming.writabilityListener.run();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.closed(this);
        if (streaming != null) {
            streaming.abort(false);
        }
        // The client left: what it still waits for is abandoned (its writes may still apply), and stops counting.
        for (Slot s : slots) {
            if (s.reply == null) {
                s.reply = Reply.of(HttpError.shuttingDown());
                if (s.ex != null) {
                    s.ex.answered(true);
                }
                if (s.admitted) {
                    server.release();
                }
            }
        }
        slots.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset by the client, mostly: nothing to answer on this connection any more.
        ctx.close();
    }
}
