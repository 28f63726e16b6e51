package io.tally.testkit.scenarios;

import org.junit.jupiter.api.DynamicTest;

import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Runs a scenario once per seed. {@code -Dtally.seeds=N} sets how many consecutive seeds, starting at
 * {@code -Dtally.seed.start=S}. A failure names its seed and the one-line command that replays it.
 */
final class Seeds {

    /** A scenario body run for one seed. */
    @FunctionalInterface
    interface Body {
        void run(long seed) throws Exception;
    }

    private Seeds() {
    }

    static long start() {
        return Long.getLong("tally.seed.start", 1L);
    }

    static int count() {
        return Integer.getInteger("tally.seeds", 3);
    }

    static Stream<DynamicTest> each(Class<?> testClass, String scenario, Body body) {
        return each(testClass, scenario, count(), body);
    }

    /**
     * The key/value scenarios have their own seed count, {@code -Dtally.kv.seeds=N} (default 3): each seed
     * runs whole client rounds, so CI gives them a smaller budget than the Raft scenarios.
     */
    static int kvCount() {
        return Integer.getInteger("tally.kv.seeds", 3);
    }

    /**
     * The key/value scenarios with membership changes ({@code KvMembershipScenariosTest}) have their own seed count
     * too, {@code -Dtally.membership.kv.seeds=N} (default 3), so that CI can give them a budget of their own (at
     * least 20 seeds).
     */
    static int membershipKvCount() {
        return Integer.getInteger("tally.membership.kv.seeds", 3);
    }

    /**
     * Scenarios whose one seed is many runs or a long one (every crash point of a snapshot, a proposal flood) have
     * their own seed count, {@code -Dtally.heavy.seeds=N} (default 3; CI gives them 20).
     */
    static int heavyCount() {
        return Integer.getInteger("tally.heavy.seeds", 3);
    }

    /**
     * The watch and lease scenarios ({@code WatchScenariosTest}, {@code LeaseScenariosTest}) have their own seed count,
     * {@code -Dtally.watch.seeds=N} (default 3; CI gives them at least 20).
     */
    static int watchCount() {
        return Integer.getInteger("tally.watch.seeds", 3);
    }

    static Stream<DynamicTest> each(Class<?> testClass, String scenario, int count, Body body) {
        return LongStream.range(start(), start() + count).mapToObj(seed -> DynamicTest.dynamicTest(scenario + " seed " + seed, () -> {
            try {
                body.run(seed);
            } catch (Throwable t) {
                throw new AssertionError(scenario + " failed with seed " + seed + "; replay with: "
                        + replayCommand(testClass, scenario, seed) + "\n  cause: " + t, t);
            }
        }));
    }

    static String replayCommand(Class<?> testClass, String scenario, long seed) {
        return "mvn -B -pl tally-testkit -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest='"
                + testClass.getSimpleName() + "#" + scenario + "' -Dtally.seed.start=" + seed + " -Dtally.seeds=1 -Dtally.kv.seeds=1"
                + " -Dtally.membership.kv.seeds=1 -Dtally.heavy.seeds=1 -Dtally.watch.seeds=1";
    }
}
