package io.tally.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
