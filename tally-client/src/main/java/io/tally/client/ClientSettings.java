package io.tally.client;

import java.time.Duration;
import java.util.List;

/** What {@link TallyClientBuilder} collected, validated; shared by a client and its forks. {@code tls} (the TLS
 * context, {@link ClientTls}) and {@code credentials} are null when not used. */
record ClientSettings(List<String> endpoints, Duration timeout, Duration attemptTimeout, Duration connectTimeout,
                      RetryPolicy retryPolicy, int connectionsPerEndpoint, int maxPipelinedRequests, io.netty.handler.ssl.SslContext tls,
                      Credentials credentials) {

    ClientSettings {
        endpoints = List.copyOf(endpoints);
    }
}
