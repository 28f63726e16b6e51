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
 */
final class Router {

    /** A resource: the methods it takes (null: its handler checks them itself) and its handler. */
    private record Resource(List<String> methods, Handler handler) {
    }

    private final Map<String, Resource> exact = new LinkedHashMap<>();
    private final Map<String, Resource> prefixed = new LinkedHashMap<>();

    Router(KvService kv, ViaLeader via, NodeMetrics metrics, int maxValueBytes, SnapshotStore snapshots,
           StatusPage page, LeaderForwarder forwarder) {
        var node = kv.node();
        KvWrites writes = new KvWrites(kv, via);
        KvItemHandler items = new KvItemHandler(kv, via, writes, maxValueBytes);
        exact.put("/v1/status", new Resource(List.of("GET"), new StatusHandler(kv)));
        exact.put("/metrics", new Resource(List.of("GET"), new MetricsHandler(metrics)));
        exact.put("/v1/health", new Resource(List.of("GET"), new HealthHandler(node)));
        exact.put("/v1/kv", new Resource(List.of("GET", "DELETE"), indexed(kv, new KvRangeHandler(kv, items, writes))));
        exact.put("/v1/txn", new Resource(List.of("POST"), indexed(kv, new TxnHandler(writes, maxValueBytes))));
        exact.put("/v1/watch", new Resource(List.of("GET"), new WatchHandler(kv)));
        exact.put("/v1/snapshot", new Resource(List.of("GET"), new SnapshotHandler(kv, via, snapshots)));
        exact.put("/v1/sessions", new Resource(List.of("POST"), new SessionsHandler(kv, via)));
        exact.put("/v1/cluster/members", new Resource(List.of("GET", "POST"), new ClusterMembersHandler(node, via)));
        exact.put("/v1/cluster/leader", new Resource(List.of("POST"), new ClusterLeaderHandler(node, via)));
        UiNodeHandler uiNode = new UiNodeHandler(node, page);
        UiAssetsHandler uiAssets = new UiAssetsHandler();
        exact.put(UiAssetsHandler.PAGE, new Resource(List.of("GET"), uiAssets));
        exact.put(UiNodeHandler.PATH, new Resource(List.of("GET"), uiNode));
        exact.put(UiClusterHandler.PATH, new Resource(List.of("GET"), new UiClusterHandler(node, uiNode, forwarder)));
        prefixed.put(UiAssetsHandler.PREFIX, new Resource(List.of("GET"), uiAssets));
        // The key is checked before the method (an empty key is 400 whatever the method).
        prefixed.put(KvItemHandler.PREFIX, new Resource(null, indexed(kv, items)));
        prefixed.put(LeasesHandler.PATH, new Resource(null, new LeasesHandler(kv, via, writes)));
        prefixed.put(ClusterMemberHandler.PREFIX, new Resource(List.of("DELETE"), new ClusterMemberHandler(node, via)));
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
        return r.handler().handle(ex);
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
     * snapshot, session, status, health, metrics, cluster, ui (the status page), other.
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
        return switch (path) {
            case "/v1/txn" -> "txn";
            case "/v1/watch" -> "watch";
            case "/v1/snapshot" -> "snapshot";
            case "/v1/sessions" -> "session";
            case "/v1/status" -> "status";
            case "/v1/health" -> "health";
            case "/metrics" -> "metrics";
            default -> path.startsWith("/v1/cluster/") ? "cluster"
                    : path.startsWith("/v1/ui/") || path.equals(UiAssetsHandler.PAGE) || path.startsWith(UiAssetsHandler.PREFIX) ? "ui"
                    : "other";
        };
    }
}
