package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * HTTP calls with headers (credentials), over plain HTTP or TLS, for the security tests. A failure to connect or a
 * TLS handshake that fails comes back as status 0 with the exception's text.
 */
final class TestHttp {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String scheme;

    TestHttp() {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.scheme = "http";
    }

    /** Over TLS, trusting and presenting what {@code ssl} holds. */
    TestHttp(SSLContext ssl) {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(ssl).build();
        this.scheme = "https";
    }

    record Resp(int status, String text, HttpResponse<byte[]> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text, e);
            }
        }

        String code() {
            return status == 0 || text.isEmpty() || !text.startsWith("{") ? "" : json().path("code").asText();
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    Resp call(String hostPort, String method, String pathAndQuery, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(scheme + "://" + hostPort + pathAndQuery))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Resp(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r);
        } catch (IOException e) {
            return new Resp(0, e.toString(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Resp(0, "interrupted", null);
        }
    }

    Resp call(String hostPort, String method, String pathAndQuery, String body, String token) {
        return call(hostPort, method, pathAndQuery, body, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token));
    }

    /** A token for {@code user}, or a failed assertion. */
    String token(String hostPort, String user, String password) {
        Resp r = call(hostPort, "POST", "/v1/auth/token", "{\"user\": \"" + user + "\", \"password\": \"" + password + "\"}",
                Map.of());
        if (r.status() != 200) {
            throw new AssertionError("no token for " + user + ": " + r);
        }
        return r.json().get("token").asText();
    }

    static Map<String, String> basic(String user, String password) {
        return Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8)));
    }
}
