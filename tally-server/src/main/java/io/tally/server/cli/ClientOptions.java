package io.tally.server.cli;

import io.tally.client.TallyClient;
import io.tally.client.TallyClientBuilder;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/**
 * The flags of every command that talks to a cluster, each with a {@code TALLY_*} environment variable as its
 * default. Every client command builds its {@link TallyClient} here ({@link #builder}): the place for the connection
 * settings that later flags add (TLS, credentials).
 */
final class ClientOptions {

    static final String DEFAULT_ENDPOINTS = "127.0.0.1:8001,127.0.0.1:8002,127.0.0.1:8003";

    @Option(names = "--endpoints", paramLabel = "HOST:PORT,...", defaultValue = "${env:TALLY_ENDPOINTS:-" + DEFAULT_ENDPOINTS + "}",
            description = "the nodes' HTTP addresses, comma-separated; any node serves any request (env TALLY_ENDPOINTS; "
                    + "default ${DEFAULT-VALUE})")
    String endpoints;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "${env:TALLY_TIMEOUT}", converter = DurationConverter.class,
            description = "how long the command may take, every retry included, like 500ms, 5s, 2m (env TALLY_TIMEOUT; "
                    + "default 5s, 10m for add-member, 60s for the other cluster changes; a watch or a lock's wait: no limit)")
    Duration timeout;

    /** The endpoints, checked. */
    List<String> endpointList() {
        try {
            return TallyClient.parseEndpoints(endpoints);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("--endpoints: " + e.getMessage());
        }
    }

    /** {@code --timeout} (or {@code TALLY_TIMEOUT}), else {@code fallback}. */
    Duration timeout(Duration fallback) {
        return timeout != null ? timeout : fallback;
    }

    /** A client of the endpoints whose calls take {@link #timeout(Duration)}; add settings before {@code build()}. */
    TallyClientBuilder builder(Duration fallbackTimeout) {
        try {
            return TallyClient.builder().endpoints(endpointList()).timeout(timeout(fallbackTimeout));
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(e.getMessage());
        }
    }

    TallyClient connect(Duration fallbackTimeout) {
        return builder(fallbackTimeout).build();
    }
}
