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

    /** {@code GET path} (with its query), for endpoints such as the probes. */
    Reply get(String hostPort, String path) {
        return call(HttpRequest.newBuilder(URI.create("http://" + hostPort + path)).timeout(Duration.ofMillis(2000)).GET()
                .build());
    }

    Reply put(String hostPort, String key, String value, Duration timeout) {
        return call(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/v1/kv/" + key + "?timeout=" + timeout.toMillis() + "ms"))
                .timeout(timeout.plusSeconds(2))
                .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8)).build());
    }

    /** A value as read: the status and, on 200, the raw value (else the error body as text). */
    record Value(int status, String body) {
    }

    /** GET of one key at {@code consistency} (linearizable, lease or stale). */
    Value get(String hostPort, String key, String consistency, Duration timeout) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + hostPort + "/v1/kv/" + key + "?consistency="
                + consistency + "&timeout=" + timeout.toMillis() + "ms")).timeout(timeout.plusSeconds(2)).GET().build();
        try {
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            return new Value(resp.statusCode(), new String(resp.body(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Value(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Value(0, "interrupted");
        }
    }

    /** Every key on the node under {@code prefix}, from its local state (consistency=stale), page by page. */
    List<Item> scanLocal(String hostPort, String prefix) {
        List<Item> items = new ArrayList<>();
        String after = "";
        while (true) {
            Reply r = call(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/v1/kv?prefix=" + prefix
                    + "&after=" + java.net.URLEncoder.encode(after, StandardCharsets.UTF_8) + "&limit=10000&consistency=stale"))
                    .timeout(Duration.ofSeconds(5)).GET().build());
            if (!r.ok()) {
                throw new IllegalStateException("cannot scan " + hostPort + ": " + r);
            }
            for (JsonNode n : r.body().get("items")) {
                after = n.get("key").asText();
                items.add(new Item(after, new String(Base64.getDecoder().decode(n.get("value").asText()), StandardCharsets.UTF_8),
                        n.get("version").asLong()));
            }
            if (!r.body().get("more").asBoolean()) {
                return items;
            }
        }
    }

    record Item(String key, String value, long version) {
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
