package io.tally.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

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

    static TallyException error(HttpReply r) {
        return new TallyException(r.status(), code(r), errorText(r));
    }

    // ------------------------------------------------------------------ answers

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
            try {
                out.add(new KeyValue(text(item, "key", r), Base64.getDecoder().decode(text(item, "value", r)),
                        number(item, "version", r)));
            } catch (IllegalArgumentException e) {
                throw bad(r, "a value is not base64");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ fields

    static JsonNode tree(HttpReply r) {
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
