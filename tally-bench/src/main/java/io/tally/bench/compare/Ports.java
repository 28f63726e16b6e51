package io.tally.bench.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for the nodes of a compared system. */
final class Ports {

    private Ports() {
    }

    static int free() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code n} distinct free ports (all held open until each is known). */
    static int[] free(int n) {
        ServerSocket[] held = new ServerSocket[n];
        int[] p = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                held[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                p[i] = held[i].getLocalPort();
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    if (s != null) {
                        s.close();
                    }
                } catch (IOException ignored) {
                    // closing a probe socket
                }
            }
        }
    }
}
