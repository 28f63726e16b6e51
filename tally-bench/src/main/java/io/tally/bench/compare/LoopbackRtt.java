package io.tally.bench.compare;

import org.HdrHistogram.Histogram;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The loopback TCP round trip between two processes: a 64-byte message sent to an {@link EchoServerMain} process and
 * read back, one at a time (blocking sockets, TCP_NODELAY), for a warm-up and then a measured period.
 */
final class LoopbackRtt {

    static final int MESSAGE_BYTES = 64;

    /** Round trips per second and the latency percentiles, in microseconds. */
    record Result(double perSecond, double p50Us, double p99Us, double p999Us) {
    }

    private LoopbackRtt() {
    }

    static Result measure(List<String> jvmOptions, Path log, Duration warmup, Duration period) throws Exception {
        try (NodeProcess echo = NodeProcess.start("echo", NodeProcess.java(jvmOptions, EchoServerMain.class.getName(),
                List.of(Integer.toString(MESSAGE_BYTES))), log)) {
            int port = Integer.parseInt(echo.awaitAnswer(Duration.ofSeconds(30)));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                byte[] m = new byte[MESSAGE_BYTES];
                roundTrips(in, out, m, warmup, null);
                Histogram h = new Histogram(10_000_000_000L, 3);
                long n = roundTrips(in, out, m, period, h);
                return new Result(n / (period.toNanos() / 1e9), h.getValueAtPercentile(50) / 1000.0,
                        h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0);
            }
        }
    }

    private static long roundTrips(DataInputStream in, OutputStream out, byte[] m, Duration d, Histogram h) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        long n = 0;
        long now;
        while ((now = System.nanoTime()) < end) {
            out.write(m);
            in.readFully(m);
            if (h != null) {
                h.recordValue(System.nanoTime() - now);
            }
            n++;
        }
        return n;
    }
}
