package io.tally.testkit.api;

import java.util.List;

/**
 * What one simulated run, one seed, came to.
 *
 * @param seed        the seed the run was drawn from
 * @param passed      whether every check held
 * @param failure     what failed (the first violation, the linearizability report, the error), or null
 * @param cause       the exception behind {@code failure}, or null
 * @param replay      the one-line command that runs this seed again
 * @param trace       the run's readable story ({@link Trace}), every line
 * @param operations  client operations issued
 * @param unknown     of which the client never learned the outcome
 * @param faults      faults the nemesis injected
 * @param virtualMillis virtual time the run lasted
 */
public record SeedResult(long seed, boolean passed, String failure, Throwable cause, String replay, List<String> trace,
                         long operations, long unknown, long faults, long virtualMillis) {

    /** How many trace lines a failure report shows. */
    public static final int REPORT_TRACE_LINES = 60;

    public SeedResult {
        trace = List.copyOf(trace);
    }

    /**
     * The report of a failed run: the seed, the replay command, what failed and the last
     * {@value #REPORT_TRACE_LINES} lines of the trace (the events that led there).
     */
    public String report() {
        StringBuilder sb = new StringBuilder();
        if (passed) {
            sb.append("seed ").append(seed).append(" passed: ").append(operations).append(" operations (")
                    .append(unknown).append(" outcome unknown), ").append(faults).append(" faults, ")
                    .append(virtualMillis).append(" ms of virtual time");
            return sb.toString();
        }
        sb.append("FAILED with seed ").append(seed).append('\n');
        sb.append("replay: ").append(replay).append('\n');
        sb.append("what failed: ").append(failure).append('\n');
        int from = Math.max(0, trace.size() - REPORT_TRACE_LINES);
        sb.append("trace (").append(from == 0 ? "all " + trace.size() : "last " + (trace.size() - from) + " of "
                + trace.size()).append(" events, virtual time):\n");
        for (String line : trace.subList(from, trace.size())) {
            sb.append("  ").append(line).append('\n');
        }
        return sb.toString();
    }

    /** Throws a {@link SimulationFailure} carrying {@link #report()} unless the run passed. */
    public void assertPassed() {
        if (!passed) {
            throw new SimulationFailure(this);
        }
    }
}
