package io.tally.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * A small pool of keep-alive HTTP connections to one leader address. At most {@code max} connections are open; a
 * request that finds none idle and the pool full waits for one to be released. All its state lives on one event loop
 * (every connection of the pool runs on it too), so it needs no lock.
 */
final class LeaderConnections {

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int max;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<Channel>> waiting = new ArrayDeque<>();
    private int open;
    private boolean closed;

    /** @param bootstrap connects to the leader, on {@code loop} */
    LeaderConnections(EventLoop loop, Bootstrap bootstrap, int max) {
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.max = max;
    }

    EventLoop loop() {
        return loop;
    }

    /**
     * A connection for one request, completed on the pool's event loop; fails with {@link LeaderForwarder.NotSent}
     * when none can be opened. Give it back with {@link #release}.
     */
    CompletableFuture<Channel> acquire() {
        CompletableFuture<Channel> f = new CompletableFuture<>();
        try {
            loop.execute(() -> acquireOnLoop(f));
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new LeaderForwarder.NotSent(e));
        }
        return f;
    }

    private void acquireOnLoop(CompletableFuture<Channel> f) {
        if (closed) {
            f.completeExceptionally(new LeaderForwarder.NotSent(new IllegalStateException("the forwarder is closed")));
            return;
        }
        Channel ch;
        while ((ch = idle.pollFirst()) != null) {
            if (ch.isActive()) {
                if (!f.complete(ch)) {
                    idle.addFirst(ch); // the request gave up meanwhile
                }
                return;
            }
        }
        if (open < max) {
            connect(f);
        } else {
            waiting.addLast(f);
        }
    }

    private void connect(CompletableFuture<Channel> f) {
        open++;
        ChannelFuture cf = bootstrap.connect();
        Channel ch = cf.channel();
        ch.closeFuture().addListener(x -> onClosed(ch));
        cf.addListener(done -> {
            if (!done.isSuccess()) {
                f.completeExceptionally(new LeaderForwarder.NotSent(done.cause()));
            } else if (!f.complete(ch)) {
                release(ch, true); // the request gave up meanwhile: keep the connection for the next one
            }
        });
    }

    /** Gives {@code ch} back: kept for the next request if {@code reusable} (a complete keep-alive exchange), else closed. */
    void release(Channel ch, boolean reusable) {
        if (!loop.inEventLoop()) {
            try {
                loop.execute(() -> release(ch, reusable));
            } catch (RejectedExecutionException e) {
                ch.close();
            }
            return;
        }
        if (!reusable || closed || !ch.isActive()) {
            ch.close();
            return;
        }
        CompletableFuture<Channel> w;
        while ((w = waiting.pollFirst()) != null) {
            if (w.complete(ch)) {
                return;
            }
        }
        idle.addFirst(ch);
    }

    private void onClosed(Channel ch) {
        open--;
        idle.remove(ch);
        CompletableFuture<Channel> w;
        while (!closed && open < max && (w = waiting.pollFirst()) != null) {
            if (!w.isDone()) {
                connect(w);
            }
        }
    }

    /** Closes every connection and fails the requests still waiting for one (nothing of theirs was sent). */
    void close() {
        try {
            loop.execute(() -> {
                closed = true;
                Channel[] open = idle.toArray(Channel[]::new);
                idle.clear();
                for (Channel ch : open) {
                    ch.close(); // onClosed runs as it closes
                }
                waiting.forEach(w -> w.completeExceptionally(new LeaderForwarder.NotSent(
                        new IllegalStateException("the forwarder is closed"))));
                waiting.clear();
            });
        } catch (RejectedExecutionException e) {
            // the event loop is gone, and its connections with it
        }
    }
}
