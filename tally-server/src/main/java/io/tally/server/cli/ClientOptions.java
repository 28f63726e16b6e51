package io.tally.server.cli;

import io.tally.client.TallyClient;
import io.tally.client.TallyClientBuilder;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The flags of every command that talks to a cluster, each with a {@code TALLY_*} environment variable as its
 * default. Every client command builds its {@link TallyClient} here ({@link #builder}), with the endpoints, the
 * timeout, TLS ({@code --cacert}, {@code --cert}, {@code --key}) and credentials ({@code --user}, {@code --token};
 * docs/security.md).
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

    @Option(names = "--user", paramLabel = "NAME[:PASSWORD]", defaultValue = "${env:TALLY_USER}",
            description = "authenticate as this user; without :PASSWORD, the password is asked for on the terminal "
                    + "(env TALLY_USER)")
    String user;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:TALLY_TOKEN}",
            description = "authenticate with this token (./tally auth token prints one; env TALLY_TOKEN)")
    String token;

    @Option(names = "--cacert", paramLabel = "FILE", defaultValue = "${env:TALLY_CACERT}",
            description = "speak TLS, trusting the nodes' certificates signed by the CA(s) in this PEM file (env TALLY_CACERT; "
                    + "https:// endpoints without it trust the JDK's CAs)")
    Path cacert;

    @Option(names = "--cert", paramLabel = "FILE", defaultValue = "${env:TALLY_CERT}",
            description = "the client certificate (PEM) to present to nodes that require one; with --key (env TALLY_CERT)")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", defaultValue = "${env:TALLY_KEY}",
            description = "the client certificate's private key (PEM) (env TALLY_KEY)")
    Path key;

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
        TallyClientBuilder b;
        try {
            b = TallyClient.builder().endpoints(endpointList()).timeout(timeout(fallbackTimeout));
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(e.getMessage());
        }
        tls(b);
        credentials(b);
        return b;
    }

    /** Builds the client; a TLS file that cannot be used is a usage error that names it. */
    TallyClient connect(Duration fallbackTimeout) {
        TallyClientBuilder b = builder(fallbackTimeout);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(e.getMessage());
        }
    }

    /** As {@link #connect}, with TLS but without credentials: for getting a token with them. */
    TallyClient connectWithoutCredentials(Duration fallbackTimeout) {
        TallyClientBuilder b;
        try {
            b = TallyClient.builder().endpoints(endpointList()).timeout(timeout(fallbackTimeout));
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(e.getMessage());
        }
        tls(b);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(e.getMessage());
        }
    }

    private void tls(TallyClientBuilder b) {
        if ((cert == null) != (key == null)) {
            throw CliFailure.usage(cert == null ? "--key needs --cert (env TALLY_CERT): the certificate it belongs to"
                    : "--cert needs --key (env TALLY_KEY): the certificate's private key");
        }
        try {
            if (cacert != null) {
                b.trustedCertificates(cacert);
            }
            if (cert != null) {
                b.clientCertificate(cert, key);
            }
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage((cacert != null && e.getMessage().startsWith("trusted") ? "--cacert: " : "--cert/--key: ")
                    + e.getMessage());
        }
    }

    /** {@code --user NAME[:PASSWORD]} as name and password (asked for on the terminal if missing); null without it. */
    String[] userAndPassword() {
        if (user == null || user.isEmpty()) {
            return null;
        }
        int colon = user.indexOf(':');
        String name = colon < 0 ? user : user.substring(0, colon);
        if (name.isEmpty()) {
            throw CliFailure.usage("--user: no user name before ':'");
        }
        return new String[] {name, colon < 0 ? Passwords.prompt("password of " + name) : user.substring(colon + 1)};
    }

    private void credentials(TallyClientBuilder b) {
        boolean hasUser = user != null && !user.isEmpty();
        boolean hasToken = token != null && !token.isEmpty();
        if (hasUser && hasToken) {
            throw CliFailure.usage("give --user (env TALLY_USER) or --token (env TALLY_TOKEN), not both");
        }
        try {
            if (hasToken) {
                b.token(token);
            } else if (hasUser) {
                String[] np = userAndPassword();
                b.credentials(np[0], np[1]);
            }
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage((hasToken ? "--token: " : "--user: ") + e.getMessage());
        }
    }
}
