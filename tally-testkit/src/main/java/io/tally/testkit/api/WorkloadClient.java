package io.tally.testkit.api;

import io.tally.raft.NotLeaderException;
import io.tally.raft.OverloadedException;
import io.tally.raft.StateMachine;
import io.tally.raft.node.RaftNode;
import io.tally.testkit.linearizability.Operation;
import io.tally.testkit.sim.Simulation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.random.RandomGenerator;

/**
 * One simulated client: issues its workload's operations one at a time to the node it believes leads, driven by
 * simulation events (it never blocks), and appends each operation, answered or not, to the history.
 *
 * <p>A refusal that guarantees the command was not appended ({@link NotLeaderException},
 * {@link OverloadedException}) is retried, at the hinted leader or another node, until the operation's deadline; any
 * other failure, and no answer by the deadline (the asked node crashed or was cut off), records the operation as
 * outcome-unknown and moves on: a command is never sent twice, so the history stays exact.
 */
final class WorkloadClient<S extends StateMachine<R>, R, I, O> {

    private static final long MILLI = 1_000_000L;

    private final int id;
    private final SimulatedCluster<S, R> cluster;
    private final Workload<I, O, R> workload;
    private final List<Operation<I, O>> history;
    private final RandomGenerator random;
    private final long operationTimeoutMillis;
    private final long maxThinkMillis;
    private final boolean traceOperations;
    private final Simulation sim;
    private long stopAtNanos;
    private int target;
    private long issued;

    WorkloadClient(int id, SimulatedCluster<S, R> cluster, Workload<I, O, R> workload, List<Operation<I, O>> history,
                   long operationTimeoutMillis, long maxThinkMillis, boolean traceOperations) {
        this.id = id;
        this.cluster = cluster;
        this.workload = workload;
        this.history = history;
        this.random = new java.util.SplittableRandom(cluster.random().nextLong());
        this.operationTimeoutMillis = operationTimeoutMillis;
        this.maxThinkMillis = maxThinkMillis;
        this.traceOperations = traceOperations;
        this.sim = cluster.simulation();
        this.target = random.nextInt(cluster.size());
    }

    /** Starts issuing operations now; none is issued at or after virtual time {@code stopAtNanos}. */
    void start(long stopAtNanos) {
        this.stopAtNanos = stopAtNanos;
        sim.schedule(random.nextLong(maxThinkMillis * MILLI + 1), "client " + id, this::next);
    }

    long issued() {
        return issued;
    }

    private void next() {
        if (sim.nowNanos() >= stopAtNanos) {
            return;
        }
        I input = workload.nextOperation(id, random);
        byte[] command = workload.encode(input);
        issued++;
        Attempt a = new Attempt(input, command, sim.nowNanos());
        if (traceOperations) {
            cluster.trace().record("client " + id + " calls " + input);
        }
        a.send();
    }

    /** One operation from its call until it is recorded. */
    private final class Attempt {
        final I input;
        final byte[] command;
        final long callNanos;
        final long deadlineNanos;
        boolean done;

        Attempt(I input, byte[] command, long callNanos) {
            this.input = input;
            this.command = command;
            this.callNanos = callNanos;
            this.deadlineNanos = callNanos + operationTimeoutMillis * MILLI;
            // Whatever happens to the node asked, the client gives up at the deadline.
            sim.schedule(operationTimeoutMillis * MILLI + MILLI, "client " + id + " deadline", () -> finishUnknown("no answer"));
        }

        void send() {
            if (done) {
                return;
            }
            long left = deadlineNanos - sim.nowNanos();
            if (left <= 0) {
                finishUnknown("deadline");
                return;
            }
            RaftNode<R> node = cluster.node(target);
            if (node == null) {
                target = random.nextInt(cluster.size());
                retryAfter(5 + random.nextInt(20));
                return;
            }
            CompletableFuture<R> f = node.apply(command, Duration.ofNanos(left));
            f.whenComplete((result, error) -> sim.schedule(0, "client " + id + " answer", () -> answered(result, error)));
        }

        void answered(R result, Throwable error) {
            if (done) {
                return;
            }
            if (error instanceof CompletionException && error.getCause() != null) {
                error = error.getCause();
            }
            if (error == null) {
                O output;
                try {
                    output = workload.decode(input, result);
                } catch (RuntimeException e) {
                    throw new AssertionError("the workload cannot decode the result " + result + " of " + input + ": " + e, e);
                }
                if (output == null) {
                    throw new AssertionError("the workload decoded the result " + result + " of " + input
                            + " to null (null means 'outcome unknown' to the checker)");
                }
                done = true;
                history.add(new Operation<>(id, input, output, callNanos, Math.max(callNanos, sim.nowNanos())));
                if (traceOperations) {
                    cluster.trace().record("client " + id + " " + input + " -> " + output + " (from n" + target + ")");
                }
                thinkThenNext();
            } else if (error instanceof NotLeaderException nl) {
                target = nl.leaderId().map(SimulatedCluster::index).orElseGet(() -> random.nextInt(cluster.size()));
                retryAfter(nl.leaderId().isPresent() ? 1 : 10 + random.nextInt(40));
            } else if (error instanceof OverloadedException) {
                retryAfter(10 + random.nextInt(40));
            } else {
                target = random.nextInt(cluster.size());
                finishUnknown(error.getClass().getSimpleName());
            }
        }

        void retryAfter(long millis) {
            sim.schedule(millis * MILLI, "client " + id + " retry", this::send);
        }

        void finishUnknown(String why) {
            if (done) {
                return;
            }
            done = true;
            history.add(Operation.unknown(id, input, callNanos));
            if (traceOperations) {
                cluster.trace().record("client " + id + " " + input + " -> outcome unknown (" + why + ")");
            }
            thinkThenNext();
        }

        void thinkThenNext() {
            sim.schedule(random.nextLong(maxThinkMillis * MILLI + 1), "client " + id, WorkloadClient.this::next);
        }
    }
}
