package io.tally.testkit.scenarios;

import io.tally.testkit.harness.ApplyRecorder;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * A client that keeps writing while a scenario changes the cluster: numbered commands, one at a time, each
 * through the harness's {@code one()} (any node that leads; retried on failure). It remembers what was
 * acknowledged, so that {@link #stopAndCheck} can show that nothing acknowledged was lost. A command that
 * cannot be committed for ten seconds fails the scenario: changes must not stall the cluster.
 */
final class ClientLoad {

    private final Cluster cluster;
    private final long pauseMillis;
    /** Whether a write that cannot be committed for ten seconds is tolerated (scenarios that cut the cluster off). */
    private final boolean lenient;
    private long next;
    private boolean stopped;
    private CompletableFuture<Long> current;
    private final List<long[]> acked = new ArrayList<>(); // {command index, value}
    private Throwable failure;

    private ClientLoad(Cluster cluster, long firstValue, long pauseMillis, boolean lenient) {
        this.cluster = cluster;
        this.next = firstValue;
        this.pauseMillis = pauseMillis;
        this.lenient = lenient;
    }

    static ClientLoad start(Cluster cluster, long firstValue) {
        ClientLoad l = new ClientLoad(cluster, firstValue, 10, false);
        l.issue();
        return l;
    }

    /** A load that carries on with the next command when one cannot be committed (the cluster may be cut off for long). */
    static ClientLoad startLenient(Cluster cluster, long firstValue) {
        ClientLoad l = new ClientLoad(cluster, firstValue, 10, true);
        l.issue();
        return l;
    }

    private void issue() {
        if (stopped) {
            return;
        }
        long value = next++;
        current = cluster.oneAsync(Commands.of(value), 1, true);
        current.whenComplete((index, e) -> {
            if (e != null) {
                if (lenient) {
                    cluster.clock().after(pauseMillis, this::issue);
                } else {
                    failure = e;
                    stopped = true;
                }
                return;
            }
            acked.add(new long[] {index, value});
            cluster.clock().after(pauseMillis, this::issue);
        });
    }

    int ackedCount() {
        return acked.size();
    }

    /** Fails the scenario if a write could not be committed. */
    void checkHealthy() {
        if (failure != null) {
            throw fatal("client load stalled: " + failure.getMessage());
        }
    }

    /**
     * Stops writing, then waits until every node in {@code members} has applied every acknowledged command, and
     * checks that each was applied as acknowledged (no committed entry lost or replaced).
     */
    void stopAndCheck(int... members) {
        checkHealthy();
        stopped = true;
        if (current != null) {
            cluster.clock().await(current::isDone, 15_000);
        }
        checkHealthy();
        if (acked.isEmpty()) {
            throw fatal("the client had no write acknowledged");
        }
        long highest = 0;
        for (long[] a : acked) {
            highest = Math.max(highest, a[0]);
        }
        long top = highest;
        for (int m : members) {
            if (!cluster.clock().await(() -> cluster.applied().appliedBy(m).size() >= top, 10_000)) {
                throw fatal(Cluster.id(m) + " applied " + cluster.applied().appliedBy(m).size() + " commands, not all "
                        + top + " acknowledged (" + cluster.node(m).status() + ")");
            }
        }
        for (long[] a : acked) {
            ApplyRecorder.CommitCount c = cluster.nCommitted(a[0]);
            if (!Arrays.equals(c.command(), Commands.of(a[1]))) {
                throw fatal("acknowledged command " + a[1] + " at command index " + a[0] + " was lost: the cluster applied "
                        + (c.command() == null ? "nothing" : Commands.describe(c.command())) + " there");
            }
        }
    }
}
