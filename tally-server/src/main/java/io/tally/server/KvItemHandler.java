package io.tally.server;

import io.tally.kv.Consistency;
import io.tally.kv.KeyFilter;
import io.tally.kv.KvCommand;
import io.tally.kv.KvService;
import io.tally.kv.KvView;
import io.tally.kv.Versioned;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /v1/kv/{key}}: GET (linearizable and lease reads through the leader, stale reads here; blocking with
 * {@code ?index=N}), PUT (with {@code ?cas=V}, {@code ?lease=ID}), DELETE and POST {@code ?append} (writes through the
 * leader, {@link KvWrites}). Every answer carries {@value KvJson#INDEX_HEADER}.
 */
final class KvItemHandler implements Handler {

    static final String PREFIX = "/v1/kv/";
    static final String VERSION_HEADER = "X-Tally-Version";
    static final String CREATED_HEADER = "X-Tally-Created";
    static final String LEASE_HEADER = "X-Tally-Lease";

    private final KvService kv;
    private final ViaLeader via;
    private final KvWrites writes;
    private final int maxValueBytes;

    KvItemHandler(KvService kv, ViaLeader via, KvWrites writes, int maxValueBytes) {
        this.kv = kv;
        this.via = via;
        this.writes = writes;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        String key = key(ex.path().substring(PREFIX.length()));
        return switch (ex.method()) {
            case "GET" -> get(ex, key);
            case "PUT" -> writes.write(ex, withLease(ex, withCas(ex, KvCommand.put(key, ex.body(maxValueBytes)))), false);
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

    /** A read of one key, after a blocking query's wait if it is one ({@link BlockingQuery}). */
    private CompletableFuture<Reply> get(Exchange ex, String key) throws HttpError {
        Consistency c = consistency(ex);
        Permissions.read(kv, ex, key, false);
        CompletableFuture<Void> ready = BlockingQuery.await(ex, kv.watches(), KeyFilter.key(key));
        return ready.thenCompose(x -> read(ex, c, view -> value(key, view)));
    }

    /** What a read answers from the view it reads. */
    @FunctionalInterface
    interface FromView {
        Reply reply(KvView view) throws HttpError;
    }

    /** Reads at {@code c}: stale reads here, the others on the leader (forwarded when this node does not lead). */
    CompletableFuture<Reply> read(Exchange ex, Consistency c, FromView answer) {
        if (c == Consistency.STALE) {
            try {
                return CompletableFuture.completedFuture(answer.reply(kv.store().view()));
            } catch (HttpError e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return via.serve(ex, false, () -> ex.then(kv.read(c, ex.remaining()), Outcomes.GRACE_MILLIS, (view, failure) -> {
            if (failure != null) {
                throw Outcomes.ofRead(ex, failure);
            }
            return answer.reply(view);
        }));
    }

    private static Reply value(String key, KvView view) {
        String index = Long.toString(view.revision());
        Optional<Versioned> v = view.get(key);
        if (v.isEmpty()) {
            return Reply.of(new HttpError(404, "not-found", "no key '" + key + "'")).withHeader(KvJson.INDEX_HEADER, index);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(VERSION_HEADER, Long.toString(v.get().version()));
        headers.put(CREATED_HEADER, Long.toString(v.get().created()));
        if (v.get().lease() != 0) {
            headers.put(LEASE_HEADER, Long.toString(v.get().lease()));
        }
        headers.put(KvJson.INDEX_HEADER, index);
        return new Reply(200, "application/octet-stream", v.get().value(), headers);
    }

    /** {@code ?lease=ID}: the key is attached to the lease, which must exist (404 {@code lease-not-found}). */
    private static KvCommand withLease(Exchange ex, KvCommand cmd) throws HttpError {
        return ex.query.containsKey("lease") ? cmd.withLease(ex.longParam("lease", 0, 1)) : cmd;
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
