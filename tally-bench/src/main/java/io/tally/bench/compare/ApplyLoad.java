package io.tally.bench.compare;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The library comparison's load, run in the leader's process: keeps {@code outstanding} commands in flight through
 * the library's own apply API; each is an 8-byte key of the key space and a value, together {@code commandBytes}.
 */
final class ApplyLoad {

    private ApplyLoad() {
    }

    static Measurement run(LibraryNode node, int outstanding, int commandBytes, int keys, Duration warmup, Duration period)
            throws InterruptedException {
        byte[] value = KeySpace.value(commandBytes - Long.BYTES, 2);
        SplittableRandom random = new SplittableRandom(System.nanoTime());
        LoadStats stats = new LoadStats();
        Semaphore window = new Semaphore(outstanding);
        long warmEnd = System.nanoTime() + warmup.toNanos();
        long end = warmEnd + period.toNanos();
        boolean measuring = false;
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= warmEnd) {
                stats.restart();
                measuring = true;
            }
            if (now >= end) {
                break;
            }
            if (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            long start = System.nanoTime();
            try {
                node.apply(HashMapState.command(random.nextInt(keys), value)).whenComplete((r, e) -> {
                    if (e == null) {
                        stats.completed(start);
                    } else {
                        stats.failed(kind(e));
                    }
                    window.release();
                });
            } catch (RuntimeException e) {
                stats.failed(kind(e));
                window.release();
            }
        }
        Measurement m = stats.take();
        window.tryAcquire(outstanding, 30, TimeUnit.SECONDS); // let the stragglers finish before the next run
        return m;
    }

    private static String kind(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return t instanceof LibraryFailure ? t.getMessage() : t.getClass().getSimpleName();
    }
}
