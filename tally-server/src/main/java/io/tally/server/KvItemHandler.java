package io.tally.server;

import io.tally.kv.Consistency;
import io.tally.kv.KvCommand;
import io.tally.kv.KvService;
import io.tally.kv.Versioned;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /v1/kv/{key}}: GET (linearizable and lease reads through the leader, stale reads here), PUT, DELETE and
 * POST {@code ?append} (writes through the leader, {@link KvWrites}).
 */
final class KvItemHandler implements Handler {

    static final String PREFIX = "/v1/kv/";
    static final String VERSION_HEADER = "X-Tally-Version";

    private final KvService kv;
    private final ViaLeader via;
    private final KvWrites writes;
    private final int maxValueBytes;

    KvItemHandler(KvService kv, ViaLeader via, int maxValueBytes) {
        this.kv = kv;
        this.via = via;
        this.writes = new KvWrites(kv, via);
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        String key = key(ex.path().substring(PREFIX.length()));
        return switch (ex.method()) {
            case "GET" -> get(ex, key);
            case "PUT" -> writes.write(ex, withCas(ex, KvCommand.put(key, ex.body(maxValueBytes))), false);
            case "DELETE" -> writes.write(ex, withCas(ex, KvCommand.delete(key)), true);
            case "POST" -> {
                if (!ex.query.containsKey("append")) {
                    throw HttpError.badRequest("POST on a key needs ?append");
                }
                yield writes.write(ex, KvCommand.append(key, ex.body(maxValueBytes)), false);
            }
            default -> throw new HttpError(405, "method-not-allowed", ex.method() + " is not allowed on " + ex.path());
        };
    }

    private CompletableFuture<Reply> get(Exchange ex, String key) throws HttpError {
        Consistency c = consistency(ex);
        if (c == Consistency.STALE) {
            return CompletableFuture.completedFuture(value(key, kv.store().get(key)));
        }
        return via.serve(ex, false, () -> ex.then(kv.get(key, c, ex.remaining()), Outcomes.GRACE_MILLIS, (v, failure) -> {
            if (failure != null) {
                throw Outcomes.ofRead(ex, failure);
            }
            return value(key, v);
        }));
    }

    private static Reply value(String key, Optional<Versioned> v) throws HttpError {
        if (v.isEmpty()) {
            throw new HttpError(404, "not-found", "no key '" + key + "'");
        }
        return new Reply(200, "application/octet-stream", v.get().value(),
                Map.of(VERSION_HEADER, Long.toString(v.get().version())));
    }

    private static KvCommand withCas(Exchange ex, KvCommand cmd) throws HttpError {
        return ex.query.containsKey("cas") ? cmd.withExpectedVersion(ex.longParam("cas", 0, 0)) : cmd;
    }

    /** {@code ?consistency=} of a read: linearizable (the default), lease or stale. */
    static Consistency consistency(Exchange ex) throws HttpError {
        try {
            return Consistency.parse(ex.query.getOrDefault("consistency", "linearizable"));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
    }

    private static String key(String rawKey) throws HttpError {
        String key;
        try {
            key = URLDecoder.decode(rawKey.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("malformed key: " + e.getMessage());
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0) {
            throw new HttpError(400, "invalid-key", "the key is empty");
        }
        if (bytes > KvCommand.MAX_KEY_BYTES) {
            throw new HttpError(400, "invalid-key", "the key is " + bytes + " bytes; the maximum is " + KvCommand.MAX_KEY_BYTES);
        }
        return key;
    }
}
