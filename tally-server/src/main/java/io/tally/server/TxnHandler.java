package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.kv.Compare;
import io.tally.kv.KvCommand;
import io.tally.kv.KvRequest;
import io.tally.kv.TxnOp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/txn}: etcd's transaction. If every comparison holds, the success operations run, else the failure
 * ones, all at one revision. A malformed transaction is a 400 naming the offending part, and nothing is applied.
 * Through the client session headers like every write (exactly once).
 */
final class TxnHandler implements Handler {

    private static final Set<String> TOP = Set.of("compare", "success", "failure");

    private final KvWrites writes;
    private final int maxValueBytes;

    TxnHandler(KvWrites writes, int maxValueBytes) {
        this.writes = writes;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        return writes.write(ex, parse(ex.body(), maxValueBytes), r -> Reply.json(200, KvJson.txn(r)));
    }

    /** The transaction a request body describes. */
    static KvCommand parse(byte[] body, int maxValueBytes) throws HttpError {
        JsonNode root = Exchange.jsonObject(body, "{\"compare\": [...], \"success\": [...], \"failure\": [...]}");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP.contains(f)) {
                throw HttpError.badRequest("unknown field '" + f + "'; a transaction has compare, success and failure");
            }
        }
        List<Compare> compare = new ArrayList<>();
        for (JsonNode c : list(root, "compare")) {
            compare.add(compare(c, "compare[" + compare.size() + "]"));
        }
        List<TxnOp> success = ops(root, "success", maxValueBytes);
        List<TxnOp> failure = ops(root, "failure", maxValueBytes);
        try {
            return KvCommand.txn(compare, success, failure);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
    }

    private static List<JsonNode> list(JsonNode root, String name) throws HttpError {
        JsonNode n = root.get(name);
        List<JsonNode> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw HttpError.badRequest(name + " must be an array");
        }
        if (n.size() > KvRequest.MAX_TXN_OPS) {
            throw HttpError.badRequest(name + " has " + n.size() + " entries; at most " + KvRequest.MAX_TXN_OPS + " are allowed");
        }
        n.forEach(out::add);
        return out;
    }

    private static Compare compare(JsonNode c, String at) throws HttpError {
        requireObject(c, at);
        allowOnly(c, at, Set.of("key", "version", "value", "exists"));
        String key = key(c, "key", at);
        int given = (c.has("version") ? 1 : 0) + (c.has("value") ? 1 : 0) + (c.has("exists") ? 1 : 0);
        if (given != 1) {
            throw HttpError.badRequest(at + ": give exactly one of version, value and exists");
        }
        if (c.has("version")) {
            JsonNode v = c.get("version");
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
                throw HttpError.badRequest(at + ": version must be an integer >= 0 (0: the key does not exist)");
            }
            return new Compare.VersionIs(key, v.asLong());
        }
        if (c.has("value")) {
            return new Compare.ValueIs(key, base64(c.get("value"), at + ".value", Integer.MAX_VALUE));
        }
        if (!c.get("exists").isBoolean()) {
            throw HttpError.badRequest(at + ": exists must be true or false");
        }
        return new Compare.Exists(key, c.get("exists").asBoolean());
    }

    private static List<TxnOp> ops(JsonNode root, String branch, int maxValueBytes) throws HttpError {
        List<TxnOp> ops = new ArrayList<>();
        for (JsonNode o : list(root, branch)) {
            String at = branch + "[" + ops.size() + "]";
            requireObject(o, at);
            JsonNode kind = o.get("op");
            if (kind == null || !kind.isTextual()) {
                throw HttpError.badRequest(at + ": op must be put, get, delete or delete-prefix");
            }
            ops.add(switch (kind.asText()) {
                case "put" -> {
                    allowOnly(o, at, Set.of("op", "key", "value", "lease"));
                    if (!o.has("value")) {
                        throw HttpError.badRequest(at + ": a put needs a value (base64)");
                    }
                    yield new TxnOp.Put(key(o, "key", at), base64(o.get("value"), at + ".value", maxValueBytes), lease(o, at));
                }
                case "get" -> {
                    allowOnly(o, at, Set.of("op", "key"));
                    yield new TxnOp.Get(key(o, "key", at));
                }
                case "delete" -> {
                    allowOnly(o, at, Set.of("op", "key"));
                    yield new TxnOp.Delete(key(o, "key", at));
                }
                case "delete-prefix" -> {
                    allowOnly(o, at, Set.of("op", "prefix"));
                    JsonNode p = o.get("prefix");
                    if (p == null || !p.isTextual()) {
                        throw HttpError.badRequest(at + ": a delete-prefix needs a prefix (a string)");
                    }
                    if (p.asText().getBytes(StandardCharsets.UTF_8).length > KvCommand.MAX_KEY_BYTES) {
                        throw HttpError.badRequest(at + ": the prefix is longer than " + KvCommand.MAX_KEY_BYTES + " bytes");
                    }
                    yield new TxnOp.DeletePrefix(p.asText());
                }
                default -> throw HttpError.badRequest(at + ": op must be put, get, delete or delete-prefix, not '" + kind.asText() + "'");
            });
        }
        return ops;
    }

    private static void requireObject(JsonNode n, String at) throws HttpError {
        if (!n.isObject()) {
            throw HttpError.badRequest(at + " must be a JSON object");
        }
    }

    private static void allowOnly(JsonNode n, String at, Set<String> fields) throws HttpError {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw HttpError.badRequest(at + ": unknown field '" + f + "'");
            }
        }
    }

    private static String key(JsonNode n, String field, String at) throws HttpError {
        JsonNode k = n.get(field);
        if (k == null || !k.isTextual()) {
            throw HttpError.badRequest(at + ": " + field + " must be a string");
        }
        int bytes = k.asText().getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > KvCommand.MAX_KEY_BYTES) {
            throw new HttpError(400, "invalid-key", at + ": the key must be 1.." + KvCommand.MAX_KEY_BYTES + " bytes, was " + bytes);
        }
        return k.asText();
    }

    private static byte[] base64(JsonNode v, String at, int max) throws HttpError {
        if (v == null || !v.isTextual()) {
            throw HttpError.badRequest(at + " must be a base64 string");
        }
        byte[] b;
        try {
            b = Base64.getDecoder().decode(v.asText());
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(at + " is not base64: " + e.getMessage());
        }
        if (b.length > max) {
            throw new HttpError(413, "value-too-large", at + " is " + b.length + " bytes; the maximum is " + max);
        }
        return b;
    }

    private static long lease(JsonNode o, String at) throws HttpError {
        JsonNode l = o.get("lease");
        if (l == null || l.isNull()) {
            return 0;
        }
        try {
            long id = l.isTextual() ? Long.parseLong(l.asText()) : l.isIntegralNumber() && l.canConvertToLong() ? l.asLong() : 0;
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HttpError.badRequest(at + ": lease must be a lease id (a positive decimal, as POST /v1/leases returned it)");
    }
}
