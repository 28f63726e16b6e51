package io.tally.testkit.api;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Runs a {@link SimulationTest} method once per seed of its {@link SeedBudget}, hands it the seed, names the failing
 * seed and its replay command, and skips the seeds after a failure. Registered by the annotation; there is nothing to
 * configure.
 */
public final class SimulationTestExtension implements TestTemplateInvocationContextProvider {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SimulationTestExtension.class);
    private static final String FAILED_SEED = "failedSeed";

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> m.isAnnotationPresent(SimulationTest.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        SimulationTest annotation = method.getAnnotation(SimulationTest.class);
        SeedBudget budget = SeedBudget.resolve(annotation.seeds());
        String test = context.getRequiredTestClass().getSimpleName() + "#" + method.getName();
        AtomicLong failed = context.getStore(NAMESPACE).getOrComputeIfAbsent(FAILED_SEED, k -> new AtomicLong(Long.MIN_VALUE),
                AtomicLong.class);
        return LongStream.range(budget.first(), budget.first() + budget.count())
                .mapToObj(seed -> new SeedInvocation(seed, test, failed));
    }

    /** One seed's invocation of the test method. */
    private record SeedInvocation(long seed, String test, AtomicLong failedSeed) implements TestTemplateInvocationContext {

        @Override
        public String getDisplayName(int invocationIndex) {
            return "seed " + seed;
        }

        @Override
        public List<Extension> getAdditionalExtensions() {
            return List.of(new SeedExtension(seed, test, failedSeed));
        }
    }

    /** Resolves the {@code long seed} parameter, sets the replay line, reports a failure with its seed. */
    private record SeedExtension(long seed, String test, AtomicLong failedSeed) implements ParameterResolver,
            BeforeEachCallback, AfterEachCallback, TestExecutionExceptionHandler, ExecutionCondition {

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            Class<?> type = p.getParameter().getType();
            return type == long.class || type == Long.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            return seed;
        }

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            long failed = failedSeed.get();
            return failed == Long.MIN_VALUE ? ConditionEvaluationResult.enabled("no seed failed yet")
                    : ConditionEvaluationResult.disabled("seed " + failed + " failed already; replay it with -D"
                    + SeedBudget.SEED_PROPERTY + "=" + failed);
        }

        @Override
        public void beforeEach(ExtensionContext context) {
            ReplayCommand.setTest(test);
        }

        @Override
        public void afterEach(ExtensionContext context) {
            ReplayCommand.setTest(null);
        }

        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
            failedSeed.compareAndSet(Long.MIN_VALUE, seed);
            String replay = ReplayCommand.forSeed(seed);
            System.out.println(test + " FAILED with seed " + seed + "; replay: " + replay);
            if (t instanceof SimulationFailure) {
                throw t; // its message already starts with the seed and the replay command
            }
            AssertionError e = new AssertionError("seed " + seed + " failed; replay: " + replay + "\n" + t, t);
            throw e;
        }
    }
}
