package io.tally.testkit.scenarios;

import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator's promise: one seed, one history, event for event. */
class DeterminismTest {

    /** Elections, an unreliable network, crashes and restarts: everything that draws randomness. */
    private static List<String> run(long seed) {
        try (SimCluster c = SimCluster.create(5, seed, Cluster.scenarioConfig(true, true), true)) {
            c.setUnreliable(true);
            int leader = c.checkOneLeader();
            for (int i = 0; i < 10; i++) {
                c.oneAsync(Commands.of(1000 + i), 1, true);
                c.one(Commands.of(i), 3, true);
            }
            c.crash(leader);
            c.one(Commands.of(42), 3, true);
            c.start(leader);
            c.connect(leader);
            c.setLongReordering(true);
            c.one(Commands.of(43), 5, true);
            List<String> trace = c.simulation().trace();
            System.out.println("seed " + seed + ": " + trace.size() + " events, trace hash " + c.simulation().traceHash());
            return trace;
        }
    }

    /**
     * Snapshots (taken, compacted, installed on a lagging follower), ReadIndex and lease reads, a membership change
     * and a leadership transfer: the rest of what the runtime does, for the recorded-trace comparison.
     */
    private static List<String> runWithSnapshotsReadsAndMembership(long seed) {
        try (SimCluster c = SimCluster.create(4, seed, Cluster.snapshotConfig(), true)) {
            int leader = c.checkOneLeader();
            int lagging = (leader + 1) % 4;
            c.disconnect(lagging);
            for (int i = 0; i < 30; i++) {
                c.one(Commands.of(i), 3, true);
            }
            c.connect(lagging);
            c.one(Commands.of(100), 4, true);
            leader = c.checkOneLeader();
            c.await(c.node(leader).readIndex(java.time.Duration.ofSeconds(2)), 5_000, "a ReadIndex read");
            c.await(c.node(leader).leaseRead(java.time.Duration.ofSeconds(2)), 5_000, "a lease read");
            c.changeMembership(Cluster.voters(0, 1, 2), 20_000);
            leader = c.checkOneLeader();
            int target = (leader + 1) % 3;
            c.await(c.node(leader).transferLeadership(io.tally.testkit.harness.Cluster.id(target)), 5_000, "a transfer");
            c.one(Commands.of(101), 3, true);
            List<String> trace = c.simulation().trace();
            System.out.println("seed " + seed + " (snapshots, reads, membership): " + trace.size() + " events");
            return trace;
        }
    }

    @Test
    void sameSeedProducesAnIdenticalEventTrace() {
        long seed = Seeds.start();
        List<String> first = run(seed);
        List<String> second = run(seed);
        assertTrue(first.size() > 1_000, "the scenario should exercise the cluster, got " + first.size() + " events");
        assertEquals(first.size(), second.size(), "event count differs for seed " + seed);
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i), second.get(i), "traces diverge at event " + i + " for seed " + seed);
        }
    }

    /**
     * For refactorings that must not change behaviour: with {@code -Dtally.trace.dir=DIR} this writes the traces of
     * seeds 1..5 of both runs to {@code DIR/seed-N.trace} and {@code DIR/snapshots-seed-N.trace} when the files are missing, and compares with them when they exist, event
     * by event (record on the old code, then run the same command on the new).
     */
    @Test
    void traceMatchesARecordedOneWhenAsked() throws java.io.IOException {
        String dir = System.getProperty("tally.trace.dir", "");
        if (dir.isEmpty()) {
            return; // nothing recorded to compare with
        }
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir));
        for (long n = 1; n <= 10; n++) {
            long seed = (n - 1) % 5 + 1;
            List<String> trace = n <= 5 ? run(seed) : runWithSnapshotsReadsAndMembership(seed);
            java.nio.file.Path file = java.nio.file.Path.of(dir, (n <= 5 ? "seed-" : "snapshots-seed-") + seed + ".trace");
            if (!java.nio.file.Files.exists(file)) {
                java.nio.file.Files.write(file, trace);
                System.out.println("recorded " + trace.size() + " events of seed " + seed + " in " + file);
                continue;
            }
            List<String> recorded = java.nio.file.Files.readAllLines(file);
            for (int i = 0; i < Math.min(recorded.size(), trace.size()); i++) {
                assertEquals(recorded.get(i), trace.get(i), "seed " + seed + ": the trace departs from " + file + " at event " + i);
            }
            assertEquals(recorded.size(), trace.size(), "seed " + seed + ": event count differs from " + file);
            System.out.println("seed " + seed + ": " + trace.size() + " events, identical to " + file);
        }
    }

    @Test
    void differentSeedsProduceDifferentTraces() {
        long seed = Seeds.start();
        assertNotEquals(run(seed), run(seed + 1));
    }
}
