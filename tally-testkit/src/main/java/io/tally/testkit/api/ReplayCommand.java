package io.tally.testkit.api;

/**
 * How a failing seed is run again, as one line for the report. Inside a {@link SimulationTest} it is the Maven
 * command that runs that test method with that seed alone ({@code -Dtally.sim.seed=N}); elsewhere, the call.
 */
public final class ReplayCommand {

    private static final ThreadLocal<String> TEST = new ThreadLocal<>();

    private ReplayCommand() {
    }

    /** The replay line for {@code seed} in the current context. */
    public static String forSeed(long seed) {
        String test = TEST.get();
        if (test != null) {
            return "mvn test -Dtest='" + test + "' -D" + SeedBudget.SEED_PROPERTY + "=" + seed;
        }
        return "simulator.run(" + seed + "L)  (or -D" + SeedBudget.SEED_PROPERTY + "=" + seed + " with @SimulationTest)";
    }

    /** Sets the test method ({@code "BankTest#transfersConserveMoney"}) the current thread runs; null clears it. */
    static void setTest(String classAndMethod) {
        if (classAndMethod == null) {
            TEST.remove();
        } else {
            TEST.set(classAndMethod);
        }
    }
}
