package io.tally.server;

import io.tally.kv.Consistency;
import io.tally.kv.KeyFilter;
import io.tally.kv.KvCommand;
import io.tally.kv.KvService;
import io.tally.kv.KvView;
import io.tally.kv.Versioned;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /v1/kv?prefix=P}: GET pages through the keys under a prefix in key order ({@code after}, {@code limit},
 * {@code keys=true}, {@code count=true}; blocking with {@code ?index=N}), all from one revision; DELETE deletes them all
 * at one revision.
 */
final class KvRangeHandler implements Handler {

    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;

    private final KvService kv;
    private final KvItemHandler reads;
    private final KvWrites writes;

    KvRangeHandler(KvService kv, KvItemHandler reads, KvWrites writes) {
        this.kv = kv;
        this.reads = reads;
        this.writes = writes;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        String prefix = ex.query.get("prefix");
        if (prefix == null) {
            throw HttpError.badRequest("a range needs ?prefix=P (it may be empty: ?prefix=)");
        }
        checkPrefix(prefix);
        return ex.method().equals("DELETE") ? delete(ex, prefix) : get(ex, prefix);
    }

    private CompletableFuture<Reply> get(Exchange ex, String prefix) throws HttpError {
        long limit = ex.longParam("limit", DEFAULT_LIMIT, 1);
        if (limit > MAX_LIMIT) {
            throw HttpError.badRequest("limit " + limit + " is above the maximum of " + MAX_LIMIT
                    + "; page with after= (the last key of the previous page)");
        }
        String after = ex.query.get("after");
        boolean keysOnly = flag(ex, "keys");
        boolean count = flag(ex, "count");
        if (count && (after != null || ex.query.containsKey("limit") || keysOnly)) {
            throw HttpError.badRequest("count=true takes no after=, limit= or keys=");
        }
        Consistency c = KvItemHandler.consistency(ex);
        Permissions.read(kv, ex, prefix, true); // the whole prefix, however few keys a page shows
        return BlockingQuery.await(ex, kv.watches(), KeyFilter.prefix(prefix)).thenCompose(x -> reads.read(ex, c,
                view -> count ? counted(view, prefix) : page(view, prefix, after, (int) limit, keysOnly)));
    }

    private static Reply counted(KvView view, String prefix) {
        return Reply.json(200, Map.of("count", view.count(prefix), "revision", view.revision()))
                .withHeader(KvJson.INDEX_HEADER, Long.toString(view.revision()));
    }

    private static Reply page(KvView view, String prefix, String after, int limit, boolean keysOnly) {
        KvView.Page page = view.page(prefix, after, limit);
        List<Map<String, Object>> items = new ArrayList<>(page.items().size());
        for (Map.Entry<String, Versioned> e : page.items()) {
            items.add(KvJson.item(e.getKey(), e.getValue(), keysOnly));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("more", page.more());
        body.put("revision", page.revision());
        return Reply.json(200, body).withHeader(KvJson.INDEX_HEADER, Long.toString(page.revision()));
    }

    /** {@code DELETE /v1/kv?prefix=P}; the empty prefix (every key) only with {@code all=true}. */
    private CompletableFuture<Reply> delete(Exchange ex, String prefix) throws HttpError {
        if (prefix.isEmpty() && !flag(ex, "all")) {
            throw HttpError.badRequest("an empty prefix deletes every key; say so with ?prefix=&all=true");
        }
        return writes.write(ex, KvCommand.deletePrefix(prefix),
                r -> Reply.json(200, Map.of("deleted", r.count(), "revision", r.revision())));
    }

    private static boolean flag(Exchange ex, String name) throws HttpError {
        String v = ex.query.get(name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.isEmpty() || v.equals("true")) {
            return true;
        }
        throw HttpError.badRequest(name + "= must be true or false, not '" + v + "'");
    }

    private static void checkPrefix(String prefix) throws HttpError {
        int bytes = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > KvCommand.MAX_KEY_BYTES) {
            throw new HttpError(400, "invalid-key", "the prefix is " + bytes + " bytes; the maximum is " + KvCommand.MAX_KEY_BYTES);
        }
    }
}
