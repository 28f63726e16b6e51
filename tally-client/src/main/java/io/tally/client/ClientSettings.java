package io.tally.client;

import java.time.Duration;
import java.util.List;

/** What {@link TallyClientBuilder} collected, validated; shared by a client and its forks. */
record ClientSettings(List<String> endpoints, Duration timeout, Duration attemptTimeout, Duration connectTimeout,
                      RetryPolicy retryPolicy, int connectionsPerEndpoint, int maxPipelinedRequests) {

    ClientSettings {
        endpoints = List.copyOf(endpoints);
    }
}
