package io.tally.transport.netty;

import io.tally.wire.v1.Frame;
import io.tally.wire.v1.Hello;
import io.tally.wire.v1.Lane;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A hand-driven peer on a plain socket, for speaking the protocol badly on purpose. */
final class RawPeer implements AutoCloseable {

    final Socket socket;
    final OutputStream out;
    final InputStream in;

    RawPeer(InetSocketAddress target, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", target.getPort()), 2000);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    static Frame hello(String cluster, String from, String to, int version) {
        return Frame.newBuilder().setHello(Hello.newBuilder().setVersion(version).setClusterId(cluster)
                .setFrom(from).setTo(to).setLane(Lane.LANE_DATA)).build();
    }

    void write(Frame f) throws IOException {
        out.write(FrameCodec.encode(f));
        out.flush();
    }

    void write(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /** The next frame, or null at end of stream. */
    Frame read() throws IOException {
        return readFrameFrom(in);
    }

    static Frame readFrameFrom(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int length;
        try {
            length = d.readInt();
        } catch (EOFException e) {
            return null;
        }
        d.readInt(); // checksum
        byte[] payload = new byte[length];
        d.readFully(payload);
        return Frame.parseFrom(payload);
    }

    /** Reads until the other side closes; true if it did within the socket's read timeout. */
    boolean closedByPeer() {
        try {
            byte[] buf = new byte[4096];
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
