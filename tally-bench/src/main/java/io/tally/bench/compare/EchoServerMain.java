package io.tally.bench.compare;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The far end of the loopback round-trip probe ({@link LoopbackRtt}), a process of its own: accepts one connection
 * on loopback and sends every message it reads straight back. Prints {@code @@ PORT N} once it listens.
 */
public final class EchoServerMain {

    private EchoServerMain() {
    }

    public static void main(String[] args) throws IOException {
        int size = Integer.parseInt(args[0]);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            System.out.println(NodeProcess.CONTROL + " " + server.getLocalPort());
            System.out.flush();
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                byte[] message = new byte[size];
                while (true) {
                    in.readFully(message);
                    out.write(message);
                }
            } catch (java.io.EOFException done) {
                // the prober hung up
            }
        }
    }
}
