package io.tally.testkit.api;

import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A JUnit 5 test run once per seed. The method takes the seed as a {@code long} parameter and runs one simulation
 * with it:
 *
 * <pre>{@code
 * @SimulationTest(seeds = 100)
 * void transfersConserveMoney(long seed) {
 *     BANK.run(seed).assertPassed();
 * }
 * }</pre>
 *
 * Each seed is a test of its own ("seed 17"). When one fails, its message starts with the failing seed and the
 * command that replays it alone, which is also printed; the seeds after it are skipped (one failing seed is the
 * story to read). The system properties of {@link SeedBudget} override the count: {@code -Dtally.sim.seeds=500} runs
 * more, {@code -Dtally.sim.seed=17} replays one.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@TestTemplate
@ExtendWith(SimulationTestExtension.class)
public @interface SimulationTest {

    /** How many consecutive seeds, from {@code -Dtally.sim.seed.start} (default 1). */
    int seeds() default SeedBudget.DEFAULT_SEEDS;
}
