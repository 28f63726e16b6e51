package io.tally.bench.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.ssl.SslContext;
import io.tally.transport.netty.tls.CertificateAuthority;
import io.tally.transport.netty.tls.TlsContexts;
import io.tally.transport.netty.tls.TlsFiles;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The comparison's secured Tally (docs/benchmarks.md): a throwaway CA and node certificates for TLS on both ports
 * (mutual on the Raft port), and authentication on, the load running as a user whose role may read and write the
 * load's keys (one permission per first hex digit, so every request's check walks a real role), with a token.
 */
final class TallySecurity {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT_PASSWORD = "bench-root-password";
    private static final String USER_PASSWORD = "bench-user-password";

    private final Path dir;
    private final CertificateAuthority ca;
    private final HttpClient https;

    TallySecurity(Path dir) throws Exception {
        this.dir = dir;
        this.ca = CertificateAuthority.create("Tally bench CA", Duration.ofDays(2));
        ca.write(dir, "ca");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.ca().cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        this.https = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(ssl).build();
    }

    /** The server flags of node {@code id}: TLS on both ports, tokens that outlast the run. */
    List<String> flags(String id) throws IOException {
        ca.issue(id, List.of(id, "localhost"), List.of("127.0.0.1"), Duration.ofDays(2)).write(dir, id);
        String crt = dir.resolve(id + ".crt").toString();
        String key = dir.resolve(id + ".key").toString();
        String caFile = dir.resolve("ca.crt").toString();
        return List.of("--tls-cert", crt, "--tls-key", key, "--tls-ca", caFile, "--peer-tls-cert", crt,
                "--peer-tls-key", key, "--peer-tls-ca", caFile, "--auth-token-ttl", "24h");
    }

    /** The load generator's TLS: trusts the CA, on the engine the servers use. */
    SslContext clientTls() throws IOException {
        return TlsContexts.client(new TlsFiles(null, null, dir.resolve("ca.crt")));
    }

    /** {@code GET /v1/status} of a node over HTTPS; null on failure. */
    JsonNode status(int port) {
        return call(port, "GET", "/v1/status", null, null);
    }

    /**
     * Turns authentication on through {@code port} (root, then the load's user and role) and returns the load's
     * {@code Authorization} header value.
     */
    String enableAuth(int port) {
        require(port, "POST", "/v1/auth/users", Map.of("name", "root", "password", ROOT_PASSWORD), null);
        require(port, "POST", "/v1/auth/users", Map.of("name", "bench", "password", USER_PASSWORD), null);
        require(port, "POST", "/v1/auth/roles", Map.of("name", "bench-keys"), null);
        for (char c : "0123456789abcdef".toCharArray()) {
            require(port, "POST", "/v1/auth/roles/bench-keys/grant", Map.of("prefix", String.valueOf(c), "read", true,
                    "write", true), null);
        }
        require(port, "POST", "/v1/auth/users/bench/grant-role", Map.of("role", "bench-keys"), null);
        require(port, "POST", "/v1/auth/enable", Map.of(), null);
        JsonNode t = require(port, "POST", "/v1/auth/token", Map.of("user", "bench", "password", USER_PASSWORD), null);
        return "Bearer " + t.get("token").asText();
    }

    private JsonNode require(int port, String method, String path, Map<String, Object> body, String auth) {
        JsonNode r = call(port, method, path, body, auth);
        if (r == null) {
            throw new IllegalStateException("setting up authentication failed at " + method + " " + path);
        }
        return r;
    }

    private JsonNode call(int port, String method, String path, Map<String, Object> body, String auth) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            if (auth != null) {
                b.header("Authorization", auth);
            }
            HttpResponse<String> r = https.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static List<String> plus(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
