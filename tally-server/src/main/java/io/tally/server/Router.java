package io.tally.server;

import io.tally.kv.KvService;
import io.tally.raft.storage.SnapshotStore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Maps (method, path) to the handler of its resource (docs/http-api.md): an unknown path is 404 {@code not-found}, a
 * method the resource does not take 405 {@code method-not-allowed}. Also names each request's operation for metrics.
 *
 * <p>While authentication is on, every request but the open ones (status, health, metrics, the membership list, and
 * {@code /v1/auth/token}, {@code /status}, {@code /recover}) is authenticated ({@link Authenticator}) before its
 * handler runs; cluster administration (membership changes, leadership transfers, backups) needs the root role on top.
 * Handlers check the permissions on the keys they touch ({@link Permissions}).
 */
final class Router {

    /** Who may make a request. */
    enum Guard { OPEN, USER, ROOT }

    /** A resource: the methods it takes (null: its handler checks them itself), its handler, and who may call it. */
    private record Resource(List<String> methods, Handler handler, java.util.function.Function<Exchange, Guard> guard) {
        Resource(List<String> methods, Handler handler) {
            this(methods, handler, ex -> Guard.USER);
        }
    }

    private final Map<String, Resource> exact = new LinkedHashMap<>();
    private final Map<String, Resource> prefixed = new LinkedHashMap<>();

    private final KvService kv;
    private final Authenticator authenticator;

    Router(KvService kv, ViaLeader via, NodeMetrics metrics, int maxValueBytes, SnapshotStore snapshots,
           Authenticator authenticator, AuthRecovery recovery, ProbeHandler probes, StatusPage page,
           LeaderForwarder forwarder) {
        this.kv = kv;
        this.authenticator = authenticator;
        var node = kv.node();
        KvWrites writes = new KvWrites(kv, via);
        KvItemHandler items = new KvItemHandler(kv, via, writes, maxValueBytes);
        exact.put("/v1/status", new Resource(List.of("GET"), new StatusHandler(kv), ex -> Guard.OPEN));
        exact.put("/metrics", new Resource(List.of("GET"), new MetricsHandler(metrics), ex -> Guard.OPEN));
        for (String probe : ProbeHandler.PATHS) { // answered by HttpConnection before admission; here for 405s
            exact.put(probe, new Resource(List.of("GET", "HEAD"), probes, ex -> Guard.OPEN));
        }
        exact.put("/v1/kv", new Resource(List.of("GET", "DELETE"), indexed(kv, new KvRangeHandler(kv, items, writes))));
        exact.put("/v1/txn", new Resource(List.of("POST"), indexed(kv, new TxnHandler(writes, maxValueBytes))));
        exact.put("/v1/watch", new Resource(List.of("GET"), new WatchHandler(kv)));
        exact.put("/v1/snapshot", new Resource(List.of("GET"), new SnapshotHandler(kv, via, snapshots), ex -> Guard.ROOT));
        exact.put("/v1/sessions", new Resource(List.of("POST"), new SessionsHandler(kv, via)));
        exact.put("/v1/cluster/members", new Resource(List.of("GET", "POST"), new ClusterMembersHandler(node, via),
                ex -> ex.method().equals("GET") ? Guard.OPEN : Guard.ROOT));
        exact.put("/v1/cluster/leader", new Resource(List.of("POST"), new ClusterLeaderHandler(node, via), ex -> Guard.ROOT));
        // The status page shows what /v1/status does (open); its key browser reads through /v1/kv, as the user.
        UiNodeHandler uiNode = new UiNodeHandler(node, page);
        UiAssetsHandler uiAssets = new UiAssetsHandler();
        exact.put(UiAssetsHandler.PAGE, new Resource(List.of("GET"), uiAssets, ex -> Guard.OPEN));
        exact.put(UiNodeHandler.PATH, new Resource(List.of("GET"), uiNode, ex -> Guard.OPEN));
        exact.put(UiClusterHandler.PATH, new Resource(List.of("GET"), new UiClusterHandler(node, uiNode, forwarder),
                ex -> Guard.OPEN));
        prefixed.put(UiAssetsHandler.PREFIX, new Resource(List.of("GET"), uiAssets, ex -> Guard.OPEN));
        // The key is checked before the method (an empty key is 400 whatever the method).
        prefixed.put(KvItemHandler.PREFIX, new Resource(null, indexed(kv, items)));
        prefixed.put(LeasesHandler.PATH, new Resource(null, new LeasesHandler(kv, via, writes)));
        prefixed.put(ClusterMemberHandler.PREFIX, new Resource(List.of("DELETE"), new ClusterMemberHandler(node, via),
                ex -> Guard.ROOT));
        prefixed.put(AuthHandler.PREFIX, new Resource(null, new AuthHandler(kv, via, writes, items, authenticator, recovery),
                ex -> AuthHandler.open(ex) ? Guard.OPEN : Guard.USER));
    }

    /**
     * Every answer of the key/value API carries {@value KvJson#INDEX_HEADER}: the handler's revision, or, for an
     * error that reflects no read (a bad request, no leader), this node's applied revision.
     */
    private static Handler indexed(KvService kv, Handler h) {
        return ex -> {
            CompletableFuture<Reply> f;
            try {
                f = h.handle(ex);
            } catch (HttpError e) {
                f = CompletableFuture.failedFuture(e);
            }
            return f.handle((reply, failure) -> {
                Reply r = failure == null ? reply : Reply.failure(failure);
                return r.headers().containsKey(KvJson.INDEX_HEADER) ? r
                        : r.withHeader(KvJson.INDEX_HEADER, Long.toString(kv.store().appliedIndex()));
            });
        };
    }

    CompletableFuture<Reply> route(Exchange ex) throws HttpError {
        Resource r = resource(ex.path());
        if (r == null) {
            throw new HttpError(404, "not-found", "no such endpoint: " + ex.path());
        }
        if (r.methods() != null && !r.methods().contains(ex.method())) {
            throw new HttpError(405, "method-not-allowed", ex.method() + " is not allowed here; use "
                    + String.join(" or ", r.methods()));
        }
        Guard guard = r.guard().apply(ex);
        if (guard == Guard.OPEN) {
            return r.handler().handle(ex);
        }
        // Authenticated on this node, whatever another node said: the answer comes back on the request's event loop.
        return ex.onLoop(authenticator.authenticate(ex)).thenCompose(user -> {
            ex.user(user);
            try {
                if (guard == Guard.ROOT) {
                    Permissions.root(kv, ex, "cluster administration (membership, leadership, backups)");
                }
                return r.handler().handle(ex);
            } catch (HttpError e) {
                return CompletableFuture.failedFuture(e);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
    }

    private Resource resource(String path) {
        Resource r = exact.get(path);
        if (r != null) {
            return r;
        }
        for (Map.Entry<String, Resource> p : prefixed.entrySet()) {
            if (path.startsWith(p.getKey())) {
                return p.getValue();
            }
        }
        return null;
    }

    /**
     * The operation a request was, for metrics: get, put, delete, append, range, delete-prefix, txn, lease, watch,
     * snapshot, session, status, health, probe, metrics, cluster, auth, ui (the status page), other.
     */
    static String operation(String method, String path) {
        if (path.equals("/v1/kv")) {
            return method.equals("DELETE") ? "delete-prefix" : "range";
        }
        if (path.startsWith(KvItemHandler.PREFIX)) {
            return switch (method) {
                case "GET" -> "get";
                case "PUT" -> "put";
                case "DELETE" -> "delete";
                case "POST" -> "append";
                default -> "other";
            };
        }
        if (path.startsWith(LeasesHandler.PATH)) {
            return "lease";
        }
        if (path.startsWith(AuthHandler.PREFIX)) {
            return "auth";
        }
        return switch (path) {
            case "/v1/txn" -> "txn";
            case "/v1/watch" -> "watch";
            case "/v1/snapshot" -> "snapshot";
            case "/v1/sessions" -> "session";
            case "/v1/status" -> "status";
            case "/v1/health" -> "health";
            case "/livez", "/readyz" -> "probe";
            case "/metrics" -> "metrics";
            default -> path.startsWith("/v1/cluster/") ? "cluster"
                    : path.startsWith("/v1/ui/") || path.equals(UiAssetsHandler.PAGE) || path.startsWith(UiAssetsHandler.PREFIX) ? "ui"
                    : "other";
        };
    }
}
