package io.tally.raft.runtime;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.SplittableRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production runtime: a dedicated daemon thread per {@link SerialExecutor}, one timer thread, the
 * monotonic system clock. {@link #close()} ends the timer thread; executors end when closed.
 */
public final class ThreadRuntime implements RaftRuntime, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadRuntime.class);

    private final String name;
    private final ScheduledThreadPoolExecutor timer;
    private final SplittableRandom random;
    /** Every thread this runtime made: they never wait for one another when closing (no deadlock). */
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    public ThreadRuntime(String name) {
        this(name, ThreadLocalRandom.current().nextLong());
    }

    public ThreadRuntime(String name, long seed) {
        this.name = name;
        this.random = new SplittableRandom(seed);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> track(daemon(r, name + "-timer")));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(long delay, TimeUnit unit, Runnable task) {
        ScheduledFuture<?> f = timer.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("timer task failed", e);
            }
        }, delay, unit);
        return () -> f.cancel(false);
    }

    @Override
    public SerialExecutor newExecutor(ExecutorRole role) {
        return new ThreadExecutor(name + "-" + role.threadName());
    }

    /** A generator of its own for each caller (a SplittableRandom is not safe to share between threads). */
    @Override
    public synchronized RandomGenerator random() {
        return random.split();
    }

    private Thread track(Thread t) {
        threads.add(t);
        return t;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String threadName) {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
    }

    /** A serial executor backed by one thread. */
    private final class ThreadExecutor implements SerialExecutor {

        private static final Runnable STOP = () -> { };
        private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        private final Thread thread;
        private volatile boolean closed;

        ThreadExecutor(String threadName) {
            thread = track(daemon(this::run, threadName));
            thread.start();
        }

        private void run() {
            while (true) {
                Runnable r;
                try {
                    r = queue.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (r == STOP) {
                    return;
                }
                try {
                    r.run();
                } catch (RuntimeException | Error e) {
                    LOG.error("task on {} failed", thread.getName(), e);
                }
            }
        }

        @Override
        public void execute(Runnable command) {
            if (!closed) {
                queue.add(command);
            }
        }

        /**
         * Runs the tasks already queued, then ends the thread. Waits for that when called from outside this
         * runtime; a thread of the runtime never waits for another (they may be closing each other).
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
            if (!threads.contains(Thread.currentThread())) {
                try {
                    thread.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
