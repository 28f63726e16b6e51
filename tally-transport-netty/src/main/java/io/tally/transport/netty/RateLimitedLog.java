package io.tally.transport.netty;

import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Warnings about bad peers, at most {@code perSecond} a second: a peer (or an attacker) sending garbage
 * must not be able to flood the log. The first line after a quiet spell reports how many were suppressed.
 */
final class RateLimitedLog {

    private final Logger log;
    private final int perSecond;
    private final AtomicLong windowStart = new AtomicLong();
    private final AtomicLong inWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(Logger log, int perSecond) {
        this.log = log;
        this.perSecond = perSecond;
    }

    void warn(String format, Object... args) {
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start > 1_000_000_000L && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
            long s = suppressed.getAndSet(0);
            if (s > 0) {
                log.warn("{} similar warnings suppressed in the last second", s);
            }
        }
        if (inWindow.incrementAndGet() <= perSecond) {
            log.warn(format, args);
        } else {
            suppressed.incrementAndGet();
        }
    }
}
