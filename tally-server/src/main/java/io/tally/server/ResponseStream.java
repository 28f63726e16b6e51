package io.tally.server;

import io.netty.channel.EventLoop;

/**
 * A response body written over time, in chunks (watches, snapshot downloads): the connection writes the head, then
 * {@link #start} hands the stream a {@link Sink}. Until the stream ends, later answers on the same connection wait
 * their turn. Everything runs on the connection's event loop.
 */
interface ResponseStream {

    /** The head is out: write the body to {@code sink} and end it when done. */
    void start(Sink sink);

    /** The connection is going (the client left, or the server shuts down): stop, release what is held. */
    void cancel();

    /** Where a stream writes. Only on {@link #loop()}. */
    interface Sink {

        EventLoop loop();

        /** Writes and flushes one chunk. */
        void write(byte[] chunk);

        /** Whether the client keeps up: false while too much is written and not yet sent. */
        boolean writable();

        /** Called on the loop whenever {@link #writable()} changes. */
        void onWritabilityChanged(Runnable listener);

        /** Ends the body; the connection carries on with its next answer. */
        void end();
    }
}
