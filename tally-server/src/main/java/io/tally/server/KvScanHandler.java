package io.tally.server;

import io.tally.kv.Consistency;
import io.tally.kv.KvService;
import io.tally.kv.Versioned;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code GET /v1/kv?prefix=P[&limit=N]}: the keys under a prefix in key order, values in base64. */
final class KvScanHandler implements Handler {

    private final KvService kv;
    private final ViaLeader via;

    KvScanHandler(KvService kv, ViaLeader via) {
        this.kv = kv;
        this.via = via;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        String prefix = ex.query.get("prefix");
        if (prefix == null) {
            throw HttpError.badRequest("a scan needs ?prefix=P (it may be empty: ?prefix=)");
        }
        int limit = (int) Math.min(ex.longParam("limit", 1000, 1), 100_000);
        Consistency c = KvItemHandler.consistency(ex);
        if (c == Consistency.STALE) {
            return CompletableFuture.completedFuture(items(kv.store().scan(prefix, limit)));
        }
        return via.serve(ex, false, () -> ex.then(kv.scan(prefix, limit, c, ex.remaining()), Outcomes.GRACE_MILLIS,
                (entries, failure) -> {
                    if (failure != null) {
                        throw Outcomes.ofRead(ex, failure);
                    }
                    return items(entries);
                }));
    }

    private static Reply items(List<Map.Entry<String, Versioned>> entries) {
        List<Map<String, Object>> items = new ArrayList<>(entries.size());
        Base64.Encoder b64 = Base64.getEncoder();
        for (Map.Entry<String, Versioned> e : entries) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("key", e.getKey());
            item.put("value", b64.encodeToString(e.getValue().value()));
            item.put("version", e.getValue().version());
            items.add(item);
        }
        return Reply.json(200, Map.of("items", items));
    }
}
