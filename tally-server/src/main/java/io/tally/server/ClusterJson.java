package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.raft.Membership;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.transport.netty.NettyTransport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the cluster endpoints (docs/http-api.md, docs/operations.md) share: their limits, how a membership is
 * described, and how their small JSON bodies are read.
 */
final class ClusterJson {

    /** How long a cluster change may take when the request does not say (catch-up of a new voter included). */
    static final String DEFAULT_TIMEOUT = "10m";
    /** Bodies are small JSON objects. */
    static final int MAX_BODY = 4096;
    /** The error code of a join request ({@code "join": true}) for an id that is already a voter. */
    static final String MEMBER_EXISTS = "member-exists";

    private ClusterJson() {
    }

    /** {@code [{"id", "raft", "http", "voter"}, ...]}, each member's HTTP address from the configuration or null. */
    static List<Map<String, Object>> members(Configuration c) {
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member m : c.members()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("id", m.id());
            mm.put("raft", m.address());
            mm.put("http", MemberHttp.of(m).orElse(null));
            mm.put("voter", m.voter());
            members.add(mm);
        }
        return members;
    }

    /** {@code {"index", "leader", "joint", ["outgoingVoters"], "members"}}. */
    static Map<String, Object> describe(Membership m, String leader) {
        Configuration c = m.configuration();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("index", m.index());
        out.put("leader", leader);
        out.put("joint", c.isJoint());
        if (c.isJoint()) {
            out.put("outgoingVoters", c.outgoingVoters());
        }
        out.put("members", members(c));
        return out;
    }

    static JsonNode parse(byte[] body) throws HttpError {
        return Exchange.jsonObject(body, "(see docs/http-api.md, cluster membership)");
    }

    static String text(JsonNode json, String field, boolean required) throws HttpError {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw HttpError.badRequest("the body needs \"" + field + "\"");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw HttpError.badRequest("\"" + field + "\" must be a non-empty string");
        }
        return v.asText().trim();
    }

    static boolean bool(JsonNode json, String field, boolean dflt) throws HttpError {
        JsonNode v = json.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw HttpError.badRequest("\"" + field + "\" must be true or false");
        }
        return v.asBoolean();
    }

    static void checkAddress(String field, String address) throws HttpError {
        try {
            NettyTransport.parseAddress(address);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("\"" + field + "\" must be host:port: " + e.getMessage());
        }
    }
}
