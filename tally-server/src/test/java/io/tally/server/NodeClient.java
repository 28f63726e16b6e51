package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** HTTP calls to a node process's API, for tests. Network failures come back as status 0. */
final class NodeClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    record Reply(int status, JsonNode body) {
        boolean ok() {
            return status == 200;
        }

        String code() {
            return body == null || !body.has("code") ? "" : body.get("code").asText();
        }
    }

    Reply status(String hostPort) {
        return call(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/v1/status"))
                .timeout(Duration.ofMillis(1000)).GET().build());
    }

    Reply propose(String hostPort, String command, Duration timeout) {
        return call(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/v1/propose?timeout=" + timeout.toMillis() + "ms"))
                .timeout(timeout.plusSeconds(2))
                .POST(HttpRequest.BodyPublishers.ofString(command, StandardCharsets.UTF_8)).build());
    }

    /** Every command the node applied, as (index, text). */
    List<Applied> applied(String hostPort) {
        List<Applied> all = new ArrayList<>();
        long from = 1;
        while (true) {
            Reply r = call(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/v1/applied?from=" + from + "&limit=5000"))
                    .timeout(Duration.ofSeconds(5)).GET().build());
            if (!r.ok()) {
                throw new IllegalStateException("cannot read applied commands from " + hostPort + ": " + r);
            }
            JsonNode items = r.body().get("applied");
            if (items.isEmpty()) {
                return all;
            }
            for (JsonNode n : items) {
                all.add(new Applied(n.get("index").asLong(),
                        new String(Base64.getDecoder().decode(n.get("data").asText()), StandardCharsets.UTF_8)));
            }
            from = all.get(all.size() - 1).index() + 1;
        }
    }

    record Applied(long index, String command) {
    }

    private Reply call(HttpRequest req) {
        try {
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = resp.body().length == 0 ? null : JSON.readTree(resp.body());
            return new Reply(resp.statusCode(), body);
        } catch (IOException e) {
            return new Reply(0, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(0, null);
        }
    }
}
