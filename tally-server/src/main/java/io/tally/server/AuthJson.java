package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.kv.auth.AuthState;
import io.tally.kv.auth.Names;
import io.tally.kv.auth.Permission;
import io.tally.kv.auth.Role;
import io.tally.kv.auth.User;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The JSON of the auth endpoints: bodies parsed strictly (unknown fields refused), users and roles described. */
final class AuthJson {

    /** The largest body an auth endpoint reads. */
    static final int MAX_BODY = 8 * 1024;

    private AuthJson() {
    }

    /** The body as a JSON object with only {@code allowed} fields. */
    static JsonNode object(Exchange ex, Set<String> allowed) throws HttpError {
        byte[] body = ex.body(MAX_BODY);
        JsonNode root;
        try {
            root = Exchange.JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw HttpError.badRequest("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            throw HttpError.badRequest("the body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw HttpError.badRequest("the body must be a JSON object with " + String.join(", ", allowed));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw HttpError.badRequest("unknown field '" + f + "'; expected " + String.join(", ", allowed));
            }
        }
        return root;
    }

    static String text(JsonNode json, String field) throws HttpError {
        JsonNode n = json.get(field);
        if (n == null || !n.isTextual()) {
            throw HttpError.badRequest(field + " must be a string");
        }
        return n.asText();
    }

    static String name(JsonNode json, String field, String what) throws HttpError {
        return name(text(json, field), what);
    }

    static String name(String name, String what) throws HttpError {
        if (!Names.valid(name)) {
            throw HttpError.badRequest("a " + what + " name is 1-" + Names.MAX
                    + " letters, digits, '-', '_', '.' or '@', not '" + name + "'");
        }
        return name;
    }

    static boolean flag(JsonNode json, String field) throws HttpError {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw HttpError.badRequest(field + " must be true or false");
        }
        return n.asBoolean();
    }

    static Map<String, Object> token(String token, long expiresMillis) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("expires", Instant.ofEpochMilli(expiresMillis).toString());
        return out;
    }

    static Map<String, Object> user(User u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", u.name());
        out.put("roles", List.copyOf(u.roles()));
        return out;
    }

    static Map<String, Object> role(Role r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", r.name());
        List<Map<String, Object>> perms = new ArrayList<>();
        for (Permission p : r.permissions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("prefix", p.prefix());
            m.put("read", p.read());
            m.put("write", p.write());
            perms.add(m);
        }
        out.put("permissions", perms);
        return out;
    }

    /** The built-in root role, as {@link #role} describes stored ones. */
    static Map<String, Object> rootRole() {
        return role(new Role(Role.ROOT, List.of(new Permission("", true, true))));
    }

    static Map<String, Object> status(AuthState auth, long revision) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("enabled", auth.enabled());
        out.put("rootUser", auth.users().containsKey(Role.ROOT));
        out.put("revision", revision);
        return out;
    }
}
