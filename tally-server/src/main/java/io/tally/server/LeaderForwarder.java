package io.tally.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Sends a request that must be served by the leader on to the leader's HTTP API, marked with
 * {@value #FORWARDED_HEADER} so that it travels one hop at most.
 */
final class LeaderForwarder {

    static final String FORWARDED_HEADER = "X-Tally-Forwarded";

    /** The leader's answer. */
    record Response(int status, byte[] body, String contentType, String version, String retryAfter) {
    }

    /** The request never left this node (no connection): nothing was proposed. */
    static final class NotSent extends IOException {
        private static final long serialVersionUID = 1L;

        NotSent(Throwable cause) {
            super(cause);
        }
    }

    private final HttpClient client;

    /**
     * The client gets its own (default) executor: the HTTP handler threads block in {@link #forward}, and if
     * the client needed those same threads to finish its exchanges, a busy server would starve itself.
     */
    LeaderForwarder() {
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    }

    Response forward(String leaderHttp, String method, String path, Map<String, String> query, Duration timeout,
                     byte[] body, Map<String, String> headers) throws IOException, InterruptedException {
        StringBuilder uri = new StringBuilder("http://").append(leaderHttp).append(path);
        char sep = '?';
        for (Map.Entry<String, String> q : query.entrySet()) {
            if (q.getKey().equals("timeout")) {
                continue;
            }
            uri.append(sep).append(encode(q.getKey()));
            if (!q.getValue().isEmpty()) {
                uri.append('=').append(encode(q.getValue()));
            }
            sep = '&';
        }
        uri.append(sep).append("timeout=").append(Math.max(1, timeout.toMillis())).append("ms");
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(uri.toString()))
                .timeout(timeout.plusMillis(500))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header(FORWARDED_HEADER, "1");
        headers.forEach(req::header);
        HttpResponse<byte[]> resp;
        try {
            resp = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new NotSent(e);
        }
        return new Response(resp.statusCode(), resp.body(), resp.headers().firstValue("Content-Type").orElse("application/json"),
                resp.headers().firstValue(KvHttpApi.VERSION_HEADER).orElse(null),
                resp.headers().firstValue("Retry-After").orElse(null));
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
