package io.tally.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link TallyClient}; {@link TallyClient#builder()} makes one. Only the endpoints are required. Each
 * setter checks its value at once and says what is wrong with an {@link IllegalArgumentException}.
 *
 * <pre>{@code
 * TallyClient client = TallyClient.builder()
 *         .endpoints("10.0.0.1:8001", "10.0.0.2:8001", "10.0.0.3:8001")
 *         .timeout(Duration.ofSeconds(5))          // a whole call, every try included
 *         .attemptTimeout(Duration.ofSeconds(2))   // one try at one node
 *         .retryPolicy(RetryPolicy.defaults().withMaxAttempts(10))
 *         .connectionsPerEndpoint(8)
 *         .build();
 * }</pre>
 */
public final class TallyClientBuilder {

    static final int MAX_CONNECTIONS = 10_000;
    static final int MAX_PIPELINED = 1_024;

    private List<String> endpoints;
    private Duration timeout = Duration.ofSeconds(5);
    private Duration attemptTimeout = Duration.ofSeconds(2);
    private Duration connectTimeout = Duration.ofMillis(500);
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private int connectionsPerEndpoint = 4;
    private int maxPipelinedRequests = 8;

    TallyClientBuilder() {
    }

    /** The nodes' HTTP addresses, {@code HOST:PORT}; at least one, none twice. Any node serves any request. */
    public TallyClientBuilder endpoints(List<String> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint (HOST:PORT) is needed");
        }
        List<String> checked = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String e : endpoints) {
            String endpoint = TallyClient.checkEndpoint(Objects.requireNonNull(e, "an endpoint is null"));
            if (!seen.add(endpoint)) {
                throw new IllegalArgumentException("endpoint '" + endpoint + "' is listed twice");
            }
            checked.add(endpoint);
        }
        this.endpoints = List.copyOf(checked);
        return this;
    }

    public TallyClientBuilder endpoints(String... endpoints) {
        return endpoints(List.of(endpoints));
    }

    /**
     * How long a call may take in all, every try included, unless the call gives its own (default 5 s). When it runs
     * out, a call fails with {@link ClusterUnavailableException}, or {@link OutcomeUnknownException} for a write that
     * may have applied.
     */
    public TallyClientBuilder timeout(Duration timeout) {
        this.timeout = positive("timeout", timeout);
        return this;
    }

    /**
     * How long one try at one node may take (default 2 s; a try never takes more than the call has left). The node
     * is given this as its {@code ?timeout=}, and the client waits a second more for the answer; then it moves on, so
     * that a node cut off from the others, or stopped, cannot take the whole call's time. Cluster changes
     * ({@code addMember}, ...) are exempt: their one try gets all of their time.
     */
    public TallyClientBuilder attemptTimeout(Duration attemptTimeout) {
        this.attemptTimeout = positive("attemptTimeout", attemptTimeout);
        return this;
    }

    /** How long opening a connection may take before the client tries the next node (default 500 ms). */
    public TallyClientBuilder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = positive("connectTimeout", connectTimeout);
        return this;
    }

    /** How calls are retried (default {@link RetryPolicy#defaults()}: until the timeout, with growing pauses). */
    public TallyClientBuilder retryPolicy(RetryPolicy retryPolicy) {
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        return this;
    }

    /**
     * The most keep-alive connections to one node (default 4; 1 to 10,000), opened as needed and shared by the
     * client's forks. A request takes an idle connection, or opens one while there are fewer; beyond that requests
     * are pipelined.
     */
    public TallyClientBuilder connectionsPerEndpoint(int connections) {
        this.connectionsPerEndpoint = range("connectionsPerEndpoint", connections, 1, MAX_CONNECTIONS);
        return this;
    }

    /**
     * The most requests in flight on one connection (default 8; 1 to 1,024, where 1 turns pipelining off). The
     * server answers a connection's requests in order, so a slow one holds up those behind it; more connections are
     * better than deep pipelines when the server has threads to spare.
     */
    public TallyClientBuilder maxPipelinedRequests(int requests) {
        this.maxPipelinedRequests = range("maxPipelinedRequests", requests, 1, MAX_PIPELINED);
        return this;
    }

    /** A client with these settings; it connects when the first call needs it. */
    public TallyClient build() {
        if (endpoints == null) {
            throw new IllegalArgumentException("no endpoints: call endpoints(HOST:PORT, ...) before build()");
        }
        return new TallyClient(new ClientSettings(endpoints, timeout, attemptTimeout, connectTimeout, retryPolicy,
                connectionsPerEndpoint, maxPipelinedRequests));
    }

    private static Duration positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + d);
        }
        if (d.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException(what + " must be at most a day, not " + d);
        }
        return d;
    }

    private static int range(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", not " + value);
        }
        return value;
    }
}
