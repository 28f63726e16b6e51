package io.tally.testkit.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * A deterministic, single-threaded discrete-event scheduler in virtual time.
 *
 * <p>Events run one at a time in order of (virtual time, scheduling sequence). Virtual time only moves
 * forward, and only when {@link #runFor} or {@link #runUntil} processes events. All randomness comes
 * from one generator seeded with {@link #seed()}, consumed in event order, so a run is reproduced
 * exactly by its seed. {@link #traceHash()} fingerprints the sequence of processed events so that two
 * runs can be compared cheaply.
 *
 * <p>An exception thrown by an event propagates out of {@code runFor}/{@code runUntil} wrapped in a
 * {@link SimulationException} naming the seed, the virtual time and the event.
 */
public final class Simulation {

    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final long seed;
    private final SplittableRandom random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(1024);
    private long now;
    private long sequence;
    private long eventsProcessed;
    private long maxEvents = Long.MAX_VALUE;
    private long traceHash = 0x6A09E667F3BCC909L;
    private List<String> trace;
    private boolean running;

    public Simulation(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    public long seed() {
        return seed;
    }

    /** Current virtual time in nanoseconds (starts at 0). */
    public long nowNanos() {
        return now;
    }

    public long nowMillis() {
        return now / NANOS_PER_MILLI;
    }

    /** The master seeded source of randomness; use it only from events (or setup) for determinism. */
    public RandomGenerator random() {
        return random;
    }

    /** A new independent generator seeded from the master source (deterministic). */
    public RandomGenerator newRandom() {
        return new SplittableRandom(random.nextLong());
    }

    /** Runs {@code task} {@code delayNanos} from now (negative counts as 0). */
    public Event schedule(long delayNanos, String label, Runnable task) {
        return schedule(delayNanos, label, null, task);
    }

    /** Like {@link #schedule(long, String, Runnable)}, but the event is skipped if {@code owner} is dead by then. */
    public Event schedule(long delayNanos, String label, NodeIncarnation owner, Runnable task) {
        Objects.requireNonNull(task, "task");
        Event e = new Event(label, task, owner);
        enqueue(e, timeAfter(delayNanos));
        return e;
    }

    /** Runs {@code task} at absolute virtual time {@code timeNanos}, or now if that has passed. */
    public Event scheduleAt(long timeNanos, String label, Runnable task) {
        Objects.requireNonNull(task, "task");
        Event e = new Event(label, task, null);
        enqueue(e, timeNanos);
        return e;
    }

    /** now + delay, saturating, with negative delays counting as 0. */
    long timeAfter(long delayNanos) {
        if (delayNanos <= 0) {
            return now;
        }
        long t = now + delayNanos;
        return t < 0 ? Long.MAX_VALUE : t;
    }

    void enqueue(Event e, long timeNanos) {
        e.timeNanos = Math.max(timeNanos, now);
        e.sequence = sequence++;
        queue.add(e);
    }

    /** Processes every event due within the next {@code millis} of virtual time, then sets the clock to that time. */
    public void runFor(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("millis < 0: " + millis);
        }
        long end = timeAfter(millis * NANOS_PER_MILLI);
        enter();
        try {
            Event e;
            while ((e = queue.peek()) != null && e.timeNanos <= end) {
                queue.poll();
                process(e);
            }
            now = end;
        } finally {
            running = false;
        }
    }

    /**
     * Processes events one at a time until {@code condition} holds (checked first and after every event
     * that ran). Returns false, with the clock set to the deadline, if the condition did not hold by
     * {@code maxMillis} of virtual time from now.
     */
    public boolean runUntil(BooleanSupplier condition, long maxMillis) {
        if (maxMillis < 0) {
            throw new IllegalArgumentException("maxMillis < 0: " + maxMillis);
        }
        long deadline = timeAfter(maxMillis * NANOS_PER_MILLI);
        enter();
        try {
            if (condition.getAsBoolean()) {
                return true;
            }
            Event e;
            while ((e = queue.peek()) != null && e.timeNanos <= deadline) {
                queue.poll();
                if (process(e) && condition.getAsBoolean()) {
                    return true;
                }
            }
            now = deadline;
            return false;
        } finally {
            running = false;
        }
    }

    private void enter() {
        if (running) {
            throw new IllegalStateException("runFor/runUntil called from inside a simulation event");
        }
        running = true;
    }

    /**
     * Runs one dequeued event unless it was cancelled or its owner died; returns whether it ran. An event whose
     * owner is paused goes back into the queue for the moment the pause ends (events held back together keep
     * their order: they are dequeued, and so re-queued, in order).
     */
    private boolean process(Event e) {
        now = e.timeNanos;
        if (!e.runnable()) {
            return false;
        }
        long heldUntil = e.heldUntil();
        if (heldUntil > now) {
            enqueue(e, heldUntil);
            return false;
        }
        if (eventsProcessed >= maxEvents) {
            throw new SimulationException(seed, now, e.label(),
                    "runaway simulation: more than " + maxEvents + " events", null);
        }
        eventsProcessed++;
        String label = e.label();
        long h = (traceHash ^ now) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 29) ^ (label == null ? 0 : label.hashCode())) * 0xBF58476D1CE4E5B9L;
        traceHash = h ^ (h >>> 32);
        if (trace != null) {
            trace.add(now + " " + label);
        }
        try {
            e.fire();
        } catch (SimulationException ex) {
            throw ex;
        } catch (RuntimeException | Error ex) {
            throw new SimulationException(seed, now, label, "event failed: " + ex, ex);
        }
        return true;
    }

    /** Number of events that ran (cancelled and dead-owner events are not counted). */
    public long eventsProcessed() {
        return eventsProcessed;
    }

    /** Events still queued, including cancelled ones not yet reached. */
    public int pendingEvents() {
        return queue.size();
    }

    /** Fails the run with a {@link SimulationException} once more than {@code maxEvents} events have run in total. */
    public void setMaxEvents(long maxEvents) {
        if (maxEvents < 0) {
            throw new IllegalArgumentException("maxEvents < 0: " + maxEvents);
        }
        this.maxEvents = maxEvents;
    }

    /** From now on, record "timeNanos label" for every event that runs. */
    public void enableTrace() {
        if (trace == null) {
            trace = new ArrayList<>();
        }
    }

    /** The recorded trace (empty unless {@link #enableTrace()} was called). */
    public List<String> trace() {
        return trace == null ? List.of() : Collections.unmodifiableList(trace);
    }

    /** Hash folded over the time and label of every event that ran so far; always maintained. */
    public long traceHash() {
        return traceHash;
    }

    @Override
    public String toString() {
        return "Simulation{seed=" + seed + ", t=" + SimulationException.formatTime(now)
                + ", processed=" + eventsProcessed + ", pending=" + queue.size() + "}";
    }
}
