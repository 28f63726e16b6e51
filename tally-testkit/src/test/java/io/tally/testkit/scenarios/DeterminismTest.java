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
     * For refactorings that must not change behaviour: with {@code -Dtally.trace.dir=DIR} this writes the trace of
     * seeds 1..5 to {@code DIR/seed-N.trace} when the files are missing, and compares with them when they exist, event
     * by event (record on the old code, then run the same command on the new).
     */
    @Test
    void traceMatchesARecordedOneWhenAsked() throws java.io.IOException {
        String dir = System.getProperty("tally.trace.dir", "");
        if (dir.isEmpty()) {
            return; // nothing recorded to compare with
        }
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir));
        for (long seed = 1; seed <= 5; seed++) {
            List<String> trace = run(seed);
            java.nio.file.Path file = java.nio.file.Path.of(dir, "seed-" + seed + ".trace");
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
