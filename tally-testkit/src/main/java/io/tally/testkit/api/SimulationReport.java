package io.tally.testkit.api;

import java.util.Optional;

/**
 * What a run over many seeds came to: how many seeds ran and passed, and the first one that failed (the run stops
 * there).
 *
 * @param seedsRun    seeds run, the failing one included
 * @param firstSeed   the first seed run
 * @param failed      the first failing seed's result, or null when every seed passed
 * @param operations  client operations issued over all the seeds run
 * @param faults      faults injected over all the seeds run
 */
public record SimulationReport(int seedsRun, long firstSeed, SeedResult failed, long operations, long faults) {

    /** Whether every seed passed. */
    public boolean passed() {
        return failed == null;
    }

    /** The failing seed's result, if any. */
    public Optional<SeedResult> failure() {
        return Optional.ofNullable(failed);
    }

    /** One line when every seed passed; the failing seed's full report otherwise. */
    public String summary() {
        if (failed == null) {
            return seedsRun + " seeds (" + firstSeed + ".." + (firstSeed + seedsRun - 1) + ") passed: " + operations
                    + " operations, " + faults + " faults";
        }
        return "seed " + failed.seed() + " failed after " + (seedsRun - 1) + " seeds passed\n" + failed.report();
    }

    /** Throws a {@link SimulationFailure} with the failing seed's report unless every seed passed. */
    public void assertPassed() {
        if (failed != null) {
            throw new SimulationFailure(failed);
        }
    }
}
