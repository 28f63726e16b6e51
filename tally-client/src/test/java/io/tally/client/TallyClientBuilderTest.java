package io.tally.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The builder refuses bad settings at once, naming the setting and the bad value. */
class TallyClientBuilderTest {

    private static void refused(Executable e, String... mentions) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String m : mentions) {
            assertTrue(ex.getMessage().contains(m), "'" + ex.getMessage() + "' should mention '" + m + "'");
        }
    }

    @Test
    void endpointsAreRequiredWellFormedAndDistinct() {
        refused(() -> TallyClient.builder().build(), "no endpoints");
        refused(() -> TallyClient.builder().endpoints(List.of()), "at least one endpoint");
        refused(() -> TallyClient.builder().endpoints("localhost"), "'localhost'", "HOST:PORT");
        refused(() -> TallyClient.builder().endpoints("h:port"), "'h:port'", "numeric port");
        refused(() -> TallyClient.builder().endpoints("h:0"), "'h:0'", "out of range");
        refused(() -> TallyClient.builder().endpoints("h:1", "h:2", "h:1"), "'h:1'", "twice");
        assertThrows(NullPointerException.class, () -> TallyClient.builder().endpoints((List<String>) null));
    }

    @Test
    void timeoutsMustBePositive() {
        refused(() -> TallyClient.builder().timeout(Duration.ZERO), "timeout", "positive");
        refused(() -> TallyClient.builder().attemptTimeout(Duration.ofMillis(-1)), "attemptTimeout", "positive");
        refused(() -> TallyClient.builder().connectTimeout(Duration.ZERO), "connectTimeout");
        refused(() -> TallyClient.builder().timeout(Duration.ofDays(2)), "timeout", "at most a day");
        assertThrows(NullPointerException.class, () -> TallyClient.builder().timeout(null));
    }

    @Test
    void poolAndPipelineSizesAreBounded() {
        refused(() -> TallyClient.builder().connectionsPerEndpoint(0), "connectionsPerEndpoint", "between 1 and 10000", "not 0");
        refused(() -> TallyClient.builder().connectionsPerEndpoint(10_001), "connectionsPerEndpoint");
        refused(() -> TallyClient.builder().maxPipelinedRequests(0), "maxPipelinedRequests", "between 1 and 1024");
    }

    @Test
    void retryPoliciesAreChecked() {
        refused(() -> RetryPolicy.defaults().withMaxAttempts(0), "maxAttempts", "at least 1");
        refused(() -> RetryPolicy.defaults().withBackoff(Duration.ofMillis(-5), Duration.ofSeconds(1)), "initialBackoff");
        refused(() -> RetryPolicy.defaults().withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)), "maxBackoff", "at least");
        assertThrows(NullPointerException.class, () -> TallyClient.builder().retryPolicy(null));
    }

    @Test
    void backoffDoublesPerRoundUpToItsMaximumWithJitter() {
        RetryPolicy p = RetryPolicy.defaults().withBackoff(Duration.ofMillis(100), Duration.ofMillis(350));
        assertEquals(Duration.ofMillis(50).toNanos(), p.backoffNanos(1, 0.0), "half of the pause at the least");
        assertEquals(Duration.ofMillis(100).toNanos(), p.backoffNanos(2, 0.0));
        assertEquals(Duration.ofMillis(175).toNanos(), p.backoffNanos(3, 0.0), "capped at 350 ms");
        assertEquals(Duration.ofMillis(175).toNanos(), p.backoffNanos(40, 0.0), "no overflow after many rounds");
        assertTrue(p.backoffNanos(3, 0.999) < Duration.ofMillis(350).toNanos());
    }

    @Test
    void aBuiltClientConnectsOnlyWhenACallNeedsIt() {
        try (TallyClient c = TallyClient.builder().endpoints("127.0.0.1:1").timeout(Duration.ofMillis(300)).build()) {
            assertThrows(ClusterUnavailableException.class, () -> c.get("k"), "nothing listens on port 1");
        }
    }
}
