package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.kv.KvCommand;
import io.tally.kv.KvService;
import io.tally.kv.LeaseNotFoundException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Leases (etcd's model): {@code POST /v1/leases} grants one, {@code POST /v1/leases/{id}/keepalive} renews it for its
 * full TTL, {@code GET /v1/leases/{id}} shows it, {@code DELETE /v1/leases/{id}} revokes it and deletes its keys.
 * Grants and revocations are writes through the log; keep-alives and status are answered by the leader, whose clock
 * alone decides expiry ({@link io.tally.kv.KvService#keepAlive}).
 */
final class LeasesHandler implements Handler {

    static final String PATH = "/v1/leases";
    private static final String KEEPALIVE = "/keepalive";

    private final KvService kv;
    private final ViaLeader via;
    private final KvWrites writes;

    LeasesHandler(KvService kv, ViaLeader via, KvWrites writes) {
        this.kv = kv;
        this.via = via;
        this.writes = writes;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        String path = ex.path();
        if (path.equals(PATH) || path.equals(PATH + "/")) {
            requireMethod(ex, "POST");
            return grant(ex);
        }
        String rest = path.substring(PATH.length() + 1);
        if (rest.endsWith(KEEPALIVE)) {
            long id = id(rest.substring(0, rest.length() - KEEPALIVE.length()));
            requireMethod(ex, "POST");
            return keepAlive(ex, id);
        }
        long id = id(rest);
        return switch (ex.method()) {
            case "GET" -> status(ex, id);
            case "DELETE" -> writes.write(ex, KvCommand.revokeLease(id), r -> Reply.json(200,
                    Map.of("revoked", true, "deleted", r.count(), "revision", r.revision())));
            default -> throw new HttpError(405, "method-not-allowed", ex.method() + " is not allowed here; use GET or DELETE");
        };
    }

    private CompletableFuture<Reply> grant(Exchange ex) throws HttpError {
        long ttlMillis;
        try {
            ttlMillis = kv.leaseTtlMillis(requestedTtl(ex.body()));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        return writes.write(ex, KvCommand.grantLease(ttlMillis), r -> Reply.json(200,
                Map.of("id", Long.toString(r.revision()), "ttl", Durations.format(Duration.ofMillis(ttlMillis)))));
    }

    private static Duration requestedTtl(byte[] body) throws HttpError {
        JsonNode root = Exchange.jsonObject(body, "{\"ttl\": \"10s\"}");
        if (!root.has("ttl") || !root.get("ttl").isTextual() || root.size() != 1) {
            throw HttpError.badRequest("the body must be {\"ttl\": \"10s\"}");
        }
        return Durations.parse("ttl", root.get("ttl").asText(), KvService.MAX_LEASE_TTL);
    }

    private CompletableFuture<Reply> keepAlive(Exchange ex, long id) {
        return via.serve(ex, false, () -> ex.then(kv.keepAlive(id, ex.remaining()), Outcomes.GRACE_MILLIS, (ttl, failure) -> {
            if (failure != null) {
                throw leaseFailure(ex, failure);
            }
            return Reply.json(200, Map.of("id", Long.toString(id), "ttl", Durations.format(ttl)));
        }));
    }

    private CompletableFuture<Reply> status(Exchange ex, long id) {
        return via.serve(ex, false, () -> ex.then(kv.leaseStatus(id, ex.remaining()), Outcomes.GRACE_MILLIS, (s, failure) -> {
            if (failure != null) {
                throw leaseFailure(ex, failure);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", Long.toString(s.id()));
            body.put("ttl", Durations.format(s.ttl()));
            body.put("remaining", Durations.format(s.remaining()));
            body.put("keys", s.keys());
            return Reply.json(200, body);
        }));
    }

    private static Exception leaseFailure(Exchange ex, Throwable failure) {
        if (failure instanceof LeaseNotFoundException e) {
            return notFound(e.id());
        }
        return Outcomes.ofRead(ex, failure);
    }

    static HttpError notFound(long id) {
        return new HttpError(404, "lease-not-found", "no lease " + id + " (never granted, revoked or expired)");
    }

    private static long id(String s) throws HttpError {
        try {
            long id = Long.parseLong(s);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HttpError.badRequest("'" + s + "' is not a lease id (a positive decimal, as POST /v1/leases returned it)");
    }

    private static void requireMethod(Exchange ex, String method) throws HttpError {
        if (!ex.method().equals(method)) {
            throw new HttpError(405, "method-not-allowed", ex.method() + " is not allowed here; use " + method);
        }
    }
}
