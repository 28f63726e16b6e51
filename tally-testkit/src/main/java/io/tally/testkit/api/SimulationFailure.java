package io.tally.testkit.api;

/**
 * A simulated run failed: the message is its {@linkplain SeedResult#report() report} (seed, replay command, what
 * failed, the trace that led there). An {@link AssertionError}, so that test frameworks show it as a failure.
 */
public final class SimulationFailure extends AssertionError {

    private static final long serialVersionUID = 1L;

    private final transient SeedResult result;

    public SimulationFailure(SeedResult result) {
        super(result.report(), result.cause());
        this.result = result;
    }

    /** The failed run. */
    public SeedResult result() {
        return result;
    }

    /** The failing seed. */
    public long seed() {
        return result.seed();
    }
}
