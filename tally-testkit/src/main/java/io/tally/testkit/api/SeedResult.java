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

    /** How many of the cluster's events (faults, nodes, leaders, restores) a failure report shows, at most. */
    public static final int REPORT_EVENTS = 80;
    /** How many of the last client operations a failure report shows. */
    public static final int REPORT_OPERATIONS = 20;

    public SeedResult {
        trace = List.copyOf(trace);
    }

    /**
     * The report of a failed run: the seed, the replay command, what failed, then the trace that led there: the
     * cluster's events (faults, crashes, restarts, leaders, restores; the last {@value #REPORT_EVENTS}) and the clients'
     * last {@value #REPORT_OPERATIONS} calls and answers.
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
        List<String> events = trace.stream().filter(line -> !isClientLine(line)).toList();
        List<String> operations = trace.stream().filter(SeedResult::isClientLine).toList();
        appendTail(sb, "what happened to the cluster", events, REPORT_EVENTS);
        appendTail(sb, "what the clients did last", operations, REPORT_OPERATIONS);
        return sb.toString();
    }

    /** Whether a trace line tells a client's call or answer (they are told apart in reports). */
    private static boolean isClientLine(String line) {
        return line.contains(" ms  client ");
    }

    private static void appendTail(StringBuilder sb, String title, List<String> lines, int max) {
        int from = Math.max(0, lines.size() - max);
        sb.append(title).append(" (").append(from == 0 ? "all " + lines.size() : "last " + max + " of " + lines.size())
                .append(", virtual time):\n");
        for (String line : lines.subList(from, lines.size())) {
            sb.append("  ").append(line).append('\n');
        }
    }

    /** Throws a {@link SimulationFailure} carrying {@link #report()} unless the run passed. */
    public void assertPassed() {
        if (!passed) {
            throw new SimulationFailure(this);
        }
    }
}
