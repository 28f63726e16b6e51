package io.tally.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The client's JSON: request bodies out, answers into the public records. Jackson stays behind this class. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ errors

    /** The server's error code ({@code "code"}), or "" if the body has none. */
    static String code(HttpReply r) {
        JsonNode n = tryTree(r);
        return n != null && n.hasNonNull("code") ? n.get("code").asText() : "";
    }

    /** The server's error text ({@code "error"}), or the body itself. */
    static String errorText(HttpReply r) {
        JsonNode n = tryTree(r);
        if (n != null && n.hasNonNull("error")) {
            return n.get("error").asText();
        }
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** The exception a refusal means: {@link LeaseNotFoundException} for {@code lease-not-found}, else a plain one. */
    static TallyException error(HttpReply r) {
        String code = code(r);
        if (r.status() == 404 && code.equals("lease-not-found")) {
            return new LeaseNotFoundException(errorText(r));
        }
        if (r.status() == 401) {
            return new AuthenticationException(errorText(r));
        }
        if (r.status() == 403 && code.equals("permission-denied")) {
            return new PermissionDeniedException(errorText(r));
        }
        return new TallyException(r.status(), code, errorText(r));
    }

    // ------------------------------------------------------------------ answers

    /** {@code POST /v1/auth/token}'s answer: the token and its expiry (an ISO-8601 instant). */
    record Token(String token, String expires) {
    }

    static Token token(HttpReply r) {
        JsonNode n = tree(r);
        return new Token(text(n, "token", r), text(n, "expires", r));
    }

    static boolean bool(HttpReply r, String field) {
        return bool(tree(r), field, r);
    }

    static long longField(HttpReply r, String field) {
        return number(tree(r), field, r);
    }

    static AuthUser authUser(HttpReply r) {
        return authUser(tree(r), r);
    }

    static List<AuthUser> authUsers(HttpReply r) {
        List<AuthUser> out = new ArrayList<>();
        for (JsonNode u : array(tree(r), "users", r)) {
            out.add(authUser(u, r));
        }
        return out;
    }

    private static AuthUser authUser(JsonNode n, HttpReply r) {
        List<String> roles = new ArrayList<>();
        for (JsonNode role : array(n, "roles", r)) {
            roles.add(role.asText());
        }
        return new AuthUser(text(n, "name", r), roles);
    }

    static AuthRole authRole(HttpReply r) {
        return authRole(tree(r), r);
    }

    static List<AuthRole> authRoles(HttpReply r) {
        List<AuthRole> out = new ArrayList<>();
        for (JsonNode role : array(tree(r), "roles", r)) {
            out.add(authRole(role, r));
        }
        return out;
    }

    private static AuthRole authRole(JsonNode n, HttpReply r) {
        List<AuthRole.Permission> perms = new ArrayList<>();
        for (JsonNode p : array(n, "permissions", r)) {
            perms.add(new AuthRole.Permission(text(p, "prefix", r), bool(p, "read", r), bool(p, "write", r)));
        }
        return new AuthRole(text(n, "name", r), perms);
    }

    static long version(HttpReply r) {
        return number(tree(r), "version", r);
    }

    static boolean deleted(HttpReply r) {
        return bool(tree(r), "deleted", r);
    }

    static long session(HttpReply r) {
        try {
            return Long.parseLong(text(tree(r), "session", r));
        } catch (NumberFormatException e) {
            throw bad(r, "its session id is not a number");
        }
    }

    static List<KeyValue> items(HttpReply r) {
        List<KeyValue> out = new ArrayList<>();
        for (JsonNode item : array(tree(r), "items", r)) {
            out.add(item(item, r));
        }
        return out;
    }

    /** {@code {"key", "value"?, "version", "created"?, "lease"?}}: an item of a range or a transaction's get. */
    private static KeyValue item(JsonNode item, HttpReply r) {
        byte[] value = item.hasNonNull("value") ? base64(text(item, "value", r), r) : null;
        long created = item.hasNonNull("created") ? number(item, "created", r) : 0;
        return new KeyValue(text(item, "key", r), value, number(item, "version", r), created, leaseId(item, r));
    }

    static Page page(HttpReply r) {
        JsonNode n = tree(r);
        return new Page(items(r), bool(n, "more", r), number(n, "revision", r));
    }

    static Count count(HttpReply r) {
        JsonNode n = tree(r);
        return new Count(number(n, "count", r), number(n, "revision", r));
    }

    static RangeDeleted rangeDeleted(HttpReply r) {
        JsonNode n = tree(r);
        return new RangeDeleted(number(n, "deleted", r), number(n, "revision", r));
    }

    /** The store's revision an answer reflects: {@code X-Tally-Index}; 0 if the server did not say (an older one). */
    static long revision(HttpReply r) {
        String index = r.header("X-Tally-Index");
        if (index == null) {
            return 0;
        }
        try {
            return Long.parseLong(index.trim());
        } catch (NumberFormatException e) {
            throw bad(r, "its X-Tally-Index is not a number");
        }
    }

    static TxnResult txnResult(HttpReply r) {
        JsonNode n = tree(r);
        List<OpResult> results = new ArrayList<>();
        for (JsonNode o : array(n, "results", r)) {
            String op = text(o, "op", r);
            results.add(switch (op) {
                case "put" -> new OpResult.Put(text(o, "key", r), number(o, "version", r));
                case "get" -> new OpResult.Get(text(o, "key", r),
                        bool(o, "found", r) ? Optional.of(item(o, r)) : Optional.empty());
                case "delete" -> new OpResult.Delete(text(o, "key", r), deletedOne(o, r));
                case "delete-prefix" -> new OpResult.DeletePrefix(text(o, "prefix", r), number(o, "deleted", r));
                default -> throw bad(r, "a result has the unknown op '" + op + "'");
            });
        }
        return new TxnResult(bool(n, "succeeded", r), number(n, "revision", r), results);
    }

    /** A transaction's delete says {@code "deleted"} as a count (0 or 1); a single-key DELETE as true or false. */
    private static boolean deletedOne(JsonNode o, HttpReply r) {
        JsonNode v = o.get("deleted");
        if (v != null && v.isBoolean()) {
            return v.asBoolean();
        }
        return number(o, "deleted", r) > 0;
    }

    static LeaseGrant leaseGrant(HttpReply r) {
        JsonNode n = tree(r);
        return new LeaseGrant(decimal(n, "id", r), duration(n, "ttl", r));
    }

    static Duration leaseTtl(HttpReply r) {
        return duration(tree(r), "ttl", r);
    }

    static LeaseStatus leaseStatus(HttpReply r) {
        JsonNode n = tree(r);
        List<String> keys = new ArrayList<>();
        for (JsonNode k : array(n, "keys", r)) {
            keys.add(k.asText());
        }
        return new LeaseStatus(decimal(n, "id", r), duration(n, "ttl", r), duration(n, "remaining", r), keys);
    }

    static LeaseRevoked leaseRevoked(long id, HttpReply r) {
        JsonNode n = tree(r);
        return new LeaseRevoked(id, number(n, "deleted", r), number(n, "revision", r));
    }

    // ------------------------------------------------------------------ watches

    /** One line of a watch: an event, a progress note or an error that ends the stream. */
    sealed interface WatchLine permits Event, Progress, StreamError {
    }

    record Event(WatchEvent event) implements WatchLine {
    }

    record Progress(long revision) implements WatchLine {
    }

    record StreamError(TallyException error) implements WatchLine {
    }

    /**
     * Parses one JSON object of a watch stream.
     *
     * @throws TallyException ({@code bad-response}) for anything else
     */
    static WatchLine watchLine(byte[] json) {
        HttpReply r = new HttpReply(200, io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE, json);
        JsonNode n = tree(r);
        if (n.has("progress")) {
            return new Progress(number(n, "progress", r));
        }
        if (n.has("code")) {
            String code = text(n, "code", r);
            String message = n.hasNonNull("error") ? n.get("error").asText() : code;
            if (code.equals("compacted")) {
                return new StreamError(new WatchCompactedException(number(n, "oldest", r), message));
            }
            if (code.equals("permission-denied")) {
                return new StreamError(new PermissionDeniedException(message));
            }
            return new StreamError(new TallyException(0, code, message));
        }
        String type = text(n, "type", r);
        WatchEvent.Type t = switch (type) {
            case "put" -> WatchEvent.Type.PUT;
            case "delete" -> WatchEvent.Type.DELETE;
            default -> throw bad(r, "an event has the unknown type '" + type + "'");
        };
        byte[] value = n.hasNonNull("value") ? base64(text(n, "value", r), r) : null;
        return new Event(new WatchEvent(number(n, "revision", r), t, text(n, "key", r), value, number(n, "version", r),
                leaseId(n, r)));
    }

    /** The error a non-200 answer to a watch means. */
    static TallyException watchRefusal(HttpReply r) {
        if (r.status() == 410) {
            JsonNode n = tryTree(r);
            long oldest = n != null && n.has("oldest") && n.get("oldest").canConvertToLong() ? n.get("oldest").asLong() : 0;
            return new WatchCompactedException(oldest, errorText(r));
        }
        return error(r);
    }

    // ------------------------------------------------------------------ transactions (request side)

    static Map<String, Object> txnBody(Txn txn) {
        List<Object> compare = new ArrayList<>();
        for (Comparison c : txn.compare()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", c.key());
            if (c instanceof Comparison.VersionIs v) {
                m.put("version", v.version());
            } else if (c instanceof Comparison.ValueIs v) {
                m.put("value", Base64.getEncoder().encodeToString(v.value()));
            } else if (c instanceof Comparison.Exists e) {
                m.put("exists", e.exists());
            }
            compare.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("compare", compare);
        body.put("success", ops(txn.success()));
        body.put("failure", ops(txn.failure()));
        return body;
    }

    private static List<Object> ops(List<Operation> ops) {
        List<Object> out = new ArrayList<>();
        for (Operation o : ops) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (o instanceof Operation.Put p) {
                m.put("op", "put");
                m.put("key", p.key());
                m.put("value", Base64.getEncoder().encodeToString(p.value()));
                if (p.lease() != 0) {
                    m.put("lease", Long.toString(p.lease()));
                }
            } else if (o instanceof Operation.Get g) {
                m.put("op", "get");
                m.put("key", g.key());
            } else if (o instanceof Operation.Delete d) {
                m.put("op", "delete");
                m.put("key", d.key());
            } else if (o instanceof Operation.DeletePrefix d) {
                m.put("op", "delete-prefix");
                m.put("prefix", d.prefix());
            }
            out.add(m);
        }
        return out;
    }

    /**
     * A transaction from its JSON body, as {@link Txn#fromJson} documents. Checks the shape (fields, types, base64);
     * the server checks the rest (key lengths, counts) and names what it refuses.
     */
    static Txn txn(byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the transaction is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("a transaction is a JSON object {\"compare\": [...], \"success\": [...], "
                    + "\"failure\": [...]}");
        }
        allowOnly(root, "the transaction", List.of("compare", "success", "failure"));
        Txn.Builder b = Txn.builder();
        int i = 0;
        for (JsonNode c : txnList(root, "compare")) {
            String at = "compare[" + i++ + "]";
            requireObject(c, at);
            allowOnly(c, at, List.of("key", "version", "value", "exists"));
            String key = txnText(c, "key", at);
            int given = (c.has("version") ? 1 : 0) + (c.has("value") ? 1 : 0) + (c.has("exists") ? 1 : 0);
            if (given != 1) {
                throw new IllegalArgumentException(at + ": give exactly one of version, value and exists");
            }
            if (c.has("version")) {
                JsonNode v = c.get("version");
                if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                    throw new IllegalArgumentException(at + ": version must be an integer >= 0 (0: the key does not exist)");
                }
                b.compare(Comparison.version(key, v.asLong()));
            } else if (c.has("value")) {
                b.compare(Comparison.value(key, txnBase64(c.get("value"), at + ".value")));
            } else {
                if (!c.get("exists").isBoolean()) {
                    throw new IllegalArgumentException(at + ": exists must be true or false");
                }
                b.compare(c.get("exists").asBoolean() ? Comparison.exists(key) : Comparison.absent(key));
            }
        }
        b.onSuccess(txnOps(root, "success").toArray(Operation[]::new));
        b.onFailure(txnOps(root, "failure").toArray(Operation[]::new));
        return b.build();
    }

    private static List<Operation> txnOps(JsonNode root, String branch) {
        List<Operation> out = new ArrayList<>();
        for (JsonNode o : txnList(root, branch)) {
            String at = branch + "[" + out.size() + "]";
            requireObject(o, at);
            JsonNode kind = o.get("op");
            if (kind == null || !kind.isTextual()) {
                throw new IllegalArgumentException(at + ": op must be put, get, delete or delete-prefix");
            }
            out.add(switch (kind.asText()) {
                case "put" -> {
                    allowOnly(o, at, List.of("op", "key", "value", "lease"));
                    if (!o.has("value")) {
                        throw new IllegalArgumentException(at + ": a put needs a value (base64)");
                    }
                    yield Operation.put(txnText(o, "key", at), txnBase64(o.get("value"), at + ".value"), txnLease(o, at));
                }
                case "get" -> {
                    allowOnly(o, at, List.of("op", "key"));
                    yield Operation.get(txnText(o, "key", at));
                }
                case "delete" -> {
                    allowOnly(o, at, List.of("op", "key"));
                    yield Operation.delete(txnText(o, "key", at));
                }
                case "delete-prefix" -> {
                    allowOnly(o, at, List.of("op", "prefix"));
                    yield Operation.deletePrefix(txnText(o, "prefix", at));
                }
                default -> throw new IllegalArgumentException(at + ": op must be put, get, delete or delete-prefix, not '"
                        + kind.asText() + "'");
            });
        }
        return out;
    }

    private static List<JsonNode> txnList(JsonNode root, String name) {
        JsonNode n = root.get(name);
        List<JsonNode> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(name + " must be an array");
        }
        n.forEach(out::add);
        return out;
    }

    private static void requireObject(JsonNode n, String at) {
        if (!n.isObject()) {
            throw new IllegalArgumentException(at + " must be a JSON object");
        }
    }

    private static void allowOnly(JsonNode n, String at, List<String> fields) {
        for (java.util.Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw new IllegalArgumentException(at + ": unknown field '" + f + "' (it takes " + String.join(", ", fields) + ")");
            }
        }
    }

    private static String txnText(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(at + ": " + field + " must be a string");
        }
        return v.asText();
    }

    private static byte[] txnBase64(JsonNode v, String at) {
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(at + " must be a base64 string");
        }
        try {
            return Base64.getDecoder().decode(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + " is not base64: " + e.getMessage());
        }
    }

    private static long txnLease(JsonNode o, String at) {
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
            // refused below
        }
        throw new IllegalArgumentException(at + ": lease must be a lease id (a positive decimal)");
    }

    static NodeStatus status(HttpReply r) {
        JsonNode n = tree(r);
        return new NodeStatus(text(n, "id", r), text(n, "state", r), number(n, "term", r), optionalText(n, "leader"),
                number(n, "commitIndex", r), number(n, "appliedIndex", r), number(n, "lastLogIndex", r),
                number(n, "configurationIndex", r), bool(n, "removed", r), members(n, r));
    }

    static Membership membership(HttpReply r) {
        JsonNode n = tree(r);
        List<String> outgoing = new ArrayList<>();
        if (n.hasNonNull("outgoingVoters")) {
            for (JsonNode id : array(n, "outgoingVoters", r)) {
                outgoing.add(id.asText());
            }
        }
        return new Membership(number(n, "index", r), optionalText(n, "leader"), bool(n, "joint", r), members(n, r), outgoing);
    }

    static LeaderInfo leader(HttpReply r) {
        JsonNode n = tree(r);
        return new LeaderInfo(text(n, "leader", r), optionalText(n, "http"));
    }

    private static List<ClusterMember> members(JsonNode n, HttpReply r) {
        List<ClusterMember> out = new ArrayList<>();
        for (JsonNode m : array(n, "members", r)) {
            out.add(new ClusterMember(text(m, "id", r), text(m, "raft", r), optionalText(m, "http"), bool(m, "voter", r)));
        }
        return out;
    }

    // ------------------------------------------------------------------ fields

    private static JsonNode tree(HttpReply r) {
        JsonNode n = tryTree(r);
        if (n == null || !n.isObject()) {
            throw bad(r, "it is not a JSON object");
        }
        return n;
    }

    private static JsonNode tryTree(HttpReply r) {
        try {
            return r.body().length == 0 ? null : MAPPER.readTree(r.body());
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field, HttpReply r) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw bad(r, "'" + field + "' is missing or not a string");
        }
        return v.asText();
    }

    private static Optional<String> optionalText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    /** A lease id, written as a decimal string ({@code "lease": "42"}); 0 when absent. */
    private static long leaseId(JsonNode n, HttpReply r) {
        return n.hasNonNull("lease") ? decimal(n, "lease", r) : 0;
    }

    /** A positive id written as a decimal string (ids exceed what JSON numbers carry exactly in some parsers). */
    private static long decimal(JsonNode n, String field, HttpReply r) {
        try {
            long id = Long.parseLong(text(n, field, r));
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw bad(r, "'" + field + "' is not a positive decimal");
    }

    private static byte[] base64(String s, HttpReply r) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw bad(r, "a value is not base64");
        }
    }

    /** A duration as the server writes it: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}. */
    private static Duration duration(JsonNode n, String field, HttpReply r) {
        String s = text(n, field, r);
        java.util.regex.Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw bad(r, "'" + field + "' is not a duration like 10s");
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            default -> Duration.ofHours(v);
        };
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    private static long number(JsonNode n, String field, HttpReply r) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong()) {
            throw bad(r, "'" + field + "' is missing or not a whole number");
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode n, String field, HttpReply r) {
        JsonNode v = n.get(field);
        if (v == null || !v.isBoolean()) {
            throw bad(r, "'" + field + "' is missing or not true/false");
        }
        return v.asBoolean();
    }

    private static JsonNode array(JsonNode n, String field, HttpReply r) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            throw bad(r, "'" + field + "' is missing or not a list");
        }
        return v;
    }

    private static TallyException bad(HttpReply r, String what) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        return new TallyException(r.status(), "bad-response", "the server's answer cannot be read (" + what + "): "
                + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
    }
}
