package io.tally.testkit.api;

/**
 * Which seeds a simulation test runs, from system properties (so that CI and a developer can change the budget
 * without touching the tests):
 * <ul>
 *   <li>{@value #SEED_PROPERTY}: run exactly this seed (a replay);</li>
 *   <li>{@value #SEEDS_PROPERTY}: run this many seeds, overriding the test's own count;</li>
 *   <li>{@value #START_PROPERTY}: the first seed (default 1).</li>
 * </ul>
 * Empty values count as unset.
 *
 * @param first the first seed
 * @param count how many consecutive seeds
 */
public record SeedBudget(long first, int count) {

    /** Run only this seed. */
    public static final String SEED_PROPERTY = "tally.sim.seed";
    /** Run this many seeds. */
    public static final String SEEDS_PROPERTY = "tally.sim.seeds";
    /** The first seed. */
    public static final String START_PROPERTY = "tally.sim.seed.start";
    /** The budget of a test that names none. */
    public static final int DEFAULT_SEEDS = 100;

    public SeedBudget {
        if (count < 1) {
            throw new IllegalArgumentException("a seed budget needs at least one seed, not " + count);
        }
    }

    /** The budget for a test whose own count is {@code defaultCount}, after the system properties. */
    public static SeedBudget resolve(int defaultCount) {
        String one = property(SEED_PROPERTY);
        if (one != null) {
            return new SeedBudget(parse(SEED_PROPERTY, one), 1);
        }
        String count = property(SEEDS_PROPERTY);
        String start = property(START_PROPERTY);
        return new SeedBudget(start == null ? 1 : parse(START_PROPERTY, start),
                count == null ? defaultCount : (int) parse(SEEDS_PROPERTY, count));
    }

    /** {@link #resolve(int)} with {@value #DEFAULT_SEEDS} seeds. */
    public static SeedBudget resolve() {
        return resolve(DEFAULT_SEEDS);
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static long parse(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be a number, not '" + value + "'", e);
        }
    }
}
