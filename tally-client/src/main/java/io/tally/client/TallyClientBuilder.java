package io.tally.client;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * <p><b>TLS</b> (docs/security.md): the client speaks HTTPS to every endpoint when an endpoint is written
 * {@code https://HOST:PORT}, or when {@link #trustedCertificates} or {@link #clientCertificate} is given. It checks
 * each node's certificate against the trusted CA file (else the JDK's trusted CAs) and against the host it dialled,
 * and presents the client certificate to nodes that require one ({@code --tls-client-ca}). A handshake that fails
 * fails the call with {@link TlsHandshakeException}.
 *
 * <p><b>Credentials</b>: a fixed bearer {@link #token}, or a {@link #credentials user and password}, which the client
 * trades for a token ({@code POST /v1/auth/token}) and renews before it expires, or when a node answers 401. Wrong
 * credentials fail calls with {@link AuthenticationException}, a request the user may not make with
 * {@link PermissionDeniedException}; nothing is applied in either case.
 *
 * <pre>{@code
 * TallyClient client = TallyClient.builder()
 *         .endpoints("10.0.0.1:8001", "10.0.0.2:8001", "10.0.0.3:8001")
 *         .timeout(Duration.ofSeconds(5))          // a whole call, every try included
 *         .attemptTimeout(Duration.ofSeconds(2))   // one try at one node
 *         .retryPolicy(RetryPolicy.defaults().withMaxAttempts(10))
 *         .connectionsPerEndpoint(8)
 *         .build();
 *
 * TallyClient secure = TallyClient.builder()
 *         .endpoints("https://n1.example.com:8001", "https://n2.example.com:8001")
 *         .trustedCertificates(Path.of("ca.crt"))                       // the CA that signed the nodes' certificates
 *         .clientCertificate(Path.of("app.crt"), Path.of("app.key"))    // when the nodes require client certificates
 *         .credentials("app1", password)                                // or .token(TOKEN)
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
    /** Whether an endpoint was written https:// (true), http:// (false), or neither (null). */
    private Boolean schemeTls;
    private String plainEndpoint;
    private Path trustedCa;
    private Path clientCert;
    private Path clientKey;
    private Credentials credentials;

    TallyClientBuilder() {
    }

    /**
     * The nodes' HTTP addresses, {@code HOST:PORT}, {@code https://HOST:PORT} (TLS) or {@code http://HOST:PORT}; at
     * least one, none twice, not both schemes. Any node serves any request.
     */
    public TallyClientBuilder endpoints(List<String> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint (HOST:PORT) is needed");
        }
        List<String> checked = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Boolean https = null;
        String plain = null;
        for (String e : endpoints) {
            String endpoint = Objects.requireNonNull(e, "an endpoint is null");
            if (endpoint.startsWith("https://") || endpoint.startsWith("http://")) {
                boolean tls = endpoint.startsWith("https://");
                if (https != null && https != tls) {
                    throw new IllegalArgumentException("the endpoints mix http:// and https://: a cluster's HTTP port is "
                            + "either TLS or plaintext on every node");
                }
                https = tls;
                if (!tls) {
                    plain = endpoint;
                }
                endpoint = endpoint.substring(tls ? 8 : 7);
                if (endpoint.endsWith("/")) {
                    endpoint = endpoint.substring(0, endpoint.length() - 1);
                }
            }
            endpoint = TallyClient.checkEndpoint(endpoint);
            if (!seen.add(endpoint)) {
                throw new IllegalArgumentException("endpoint '" + endpoint + "' is listed twice");
            }
            checked.add(endpoint);
        }
        this.endpoints = List.copyOf(checked);
        this.schemeTls = https;
        this.plainEndpoint = plain;
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

    /**
     * The CA certificate(s), PEM, that the nodes' HTTP certificates must chain to (the nodes' {@code --tls-ca}, or the
     * CA that signed their {@code --tls-cert}); turns TLS on. Without it, a TLS client trusts the JDK's CAs.
     */
    public TallyClientBuilder trustedCertificates(Path caPem) {
        this.trustedCa = readable("trustedCertificates", caPem);
        return this;
    }

    /**
     * The certificate chain and private key (PEM; the key PKCS#8, or PKCS#1/SEC1 with Bouncy Castle on the class
     * path) the client presents to nodes that require client certificates ({@code --tls-client-ca}); turns TLS on.
     */
    public TallyClientBuilder clientCertificate(Path certPem, Path keyPem) {
        this.clientCert = readable("clientCertificate's certificate", certPem);
        this.clientKey = readable("clientCertificate's key", keyPem);
        return this;
    }

    /**
     * A bearer token (from {@code POST /v1/auth/token}, or {@code ./tally auth token}) sent with every request.
     * It is not renewed: once it expires, calls fail with {@link AuthenticationException}. Replaces
     * {@link #credentials}.
     */
    public TallyClientBuilder token(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank() || token.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new IllegalArgumentException("a token is printable ASCII without spaces, and not empty");
        }
        this.credentials = Credentials.token(token);
        return this;
    }

    /**
     * A user and password: the client gets a token with them before its first request, renews it before it expires
     * and when a node answers 401 (its password changed, authentication was turned on), and sends it with every
     * request. While authentication is off, the client sends nothing. Replaces {@link #token}.
     */
    public TallyClientBuilder credentials(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty()) {
            throw new IllegalArgumentException("the user name is empty");
        }
        this.credentials = Credentials.password(user, password);
        return this;
    }

    /**
     * A client with these settings; it connects when the first call needs it. The TLS files are read here: a file
     * that cannot be used is an {@link IllegalArgumentException} that names it.
     */
    public TallyClient build() {
        if (endpoints == null) {
            throw new IllegalArgumentException("no endpoints: call endpoints(HOST:PORT, ...) before build()");
        }
        boolean tlsFiles = trustedCa != null || clientCert != null;
        if (tlsFiles && Boolean.FALSE.equals(schemeTls)) {
            throw new IllegalArgumentException("endpoint " + plainEndpoint + " says http://, but TLS files are given: "
                    + "write https:// or HOST:PORT");
        }
        // Read here, so that a file that cannot be used fails the build, not the first call.
        io.netty.handler.ssl.SslContext tls = tlsFiles || Boolean.TRUE.equals(schemeTls)
                ? new ClientTls(trustedCa, clientCert, clientKey).context() : null;
        return new TallyClient(new ClientSettings(endpoints, timeout, attemptTimeout, connectTimeout, retryPolicy,
                connectionsPerEndpoint, maxPipelinedRequests, tls, credentials));
    }

    private static Path readable(String what, Path file) {
        Objects.requireNonNull(file, what);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(what + ": " + file + " does not exist or cannot be read");
        }
        return file;
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
