package io.tally.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * The one event loop group of every {@link TallyClient} in the JVM: its threads do all of the clients' I/O, timers
 * and retries, whatever the number of clients and calls. It starts with the first client and stops when the last one
 * is closed (a later client starts a new one). The threads are daemons, so a client left open does not keep the JVM
 * alive.
 */
final class SharedEventLoop {

    /** Up to 4 threads: one already drives tens of thousands of requests per second. */
    static final int THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private static EventLoopGroup group;
    private static int users;

    private SharedEventLoop() {
    }

    static synchronized EventLoopGroup acquire() {
        if (group == null) {
            group = new NioEventLoopGroup(THREADS, new DefaultThreadFactory("tally-client", true));
        }
        users++;
        return group;
    }

    static synchronized void release(EventLoopGroup g) {
        if (g != group) {
            throw new IllegalStateException("released an event loop group that is not the shared one");
        }
        if (--users == 0) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            group = null;
        }
    }

    /** Whether the calling thread is one of the group's (where blocking would stall every client). */
    static boolean inEventLoop(EventLoopGroup g) {
        for (var executor : g) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }
}
