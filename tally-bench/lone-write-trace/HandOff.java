import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * What one hand-off between two threads of one JVM costs on this machine when nothing else runs: a value goes to
 * a thread blocked on a LinkedBlockingQueue (as the Raft loop, log writer and applier wait for work) and comes back
 * the same way, one at a time with a pause between, like a lone client's writes. Run: java HandOff.java
 */
public class HandOff {
    public static void main(String[] args) throws InterruptedException {
        int n = 20_000;
        LinkedBlockingQueue<Long> there = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Long> back = new LinkedBlockingQueue<>();
        Thread echo = new Thread(() -> {
            try {
                while (true) {
                    back.add(there.take());
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        echo.setDaemon(true);
        echo.start();
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            there.add(t0);
            back.take();
            nanos[i] = System.nanoTime() - t0;
            LockSupport.parkNanos(200_000); // both threads fall asleep before the next value
        }
        Arrays.sort(nanos);
        System.out.printf("%d round trips (two hand-offs each): p50 %.1f µs, p90 %.1f µs, p99 %.1f µs%n",
                n, nanos[n / 2] / 1e3, nanos[n * 9 / 10] / 1e3, nanos[n * 99 / 100] / 1e3);
    }
}
