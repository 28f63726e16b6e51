package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.kv.KvService;
import io.tally.raft.ClusterChangeException;
import io.tally.raft.Membership;
import io.tally.raft.NotLeaderException;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.transport.netty.NettyTransport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The cluster administration endpoints of HTTP API v1 (docs/http-api.md, docs/operations.md): list, add and
 * remove members, and transfer leadership. Each handler runs on the leader ({@link KvHttpApi} forwards to it)
 * and throws {@link KvHttpApi.NotLeaderRetry} when this node turns out not to lead, before anything changed.
 */
final class ClusterHttpApi {

    /** How long a cluster change may take when the request does not say (catch-up of a new voter included). */
    static final String DEFAULT_TIMEOUT = "10m";
    /** Bodies are small JSON objects. */
    static final int MAX_BODY = 4096;
    /** The error code of a join request ({@code "join": true}) for an id that is already a voter. */
    static final String MEMBER_EXISTS = "member-exists";

    private final KvService kv;

    ClusterHttpApi(KvService kv) {
        this.kv = kv;
    }

    /** GET /v1/cluster/members: the membership in force on the leader, with its index (for {@code ?cas=}). */
    void members(Exchange ex) throws IOException, KvHttpApi.NotLeaderRetry {
        if (kv.node().status().state() != io.tally.raft.RaftState.LEADER) {
            throw new KvHttpApi.NotLeaderRetry();
        }
        ex.json(200, describe(kv.node().membership()));
    }

    /**
     * POST /v1/cluster/members with {"id", "raft", "http", "voter"}: adds a member, or changes an existing member's role
     * or addresses — the only way a member's HTTP address changes.
     */
    void add(Exchange ex, byte[] body) throws HttpError, IOException, InterruptedException, KvHttpApi.NotLeaderRetry {
        JsonNode json = parse(body);
        String id = text(json, "id", true);
        String raft = text(json, "raft", true);
        String http = text(json, "http", true);
        boolean voter = bool(json, "voter", true);
        boolean join = bool(json, "join", false);
        if (id.length() > 255) {
            throw HttpError.badRequest("a member id is at most 255 characters");
        }
        checkAddress("raft", raft);
        checkAddress("http", http);
        long cas = ex.longParam("cas", -1, 0);
        if (join) {
            cas = refuseRejoin(id, cas);
        }
        // The HTTP address is part of the member's entry in the configuration: one change sets role and both addresses.
        Member member = MemberHttp.with(new Member(id, raft, voter), http);
        ex.inDoubt(true);
        Membership m = await(ex, kv.node().changeMembership(new ConfigChange.AddMember(member), cas, ex.remaining()),
                "the membership change");
        ex.json(200, describe(m));
    }

    /**
     * A join request comes from a node with empty state (JoinPreflight explains the danger): refused with 409
     * {@value #MEMBER_EXISTS} if {@code id} is a voter of the configuration in force, in either half of a joint one.
     * Returns the configuration index the change must then start from, so that a change committed between this check
     * and the start (one that made {@code id} a voter) makes the request fail with 409 conflict instead.
     */
    private long refuseRejoin(String id, long cas) throws HttpError, KvHttpApi.NotLeaderRetry {
        if (kv.node().status().state() != io.tally.raft.RaftState.LEADER) {
            throw new KvHttpApi.NotLeaderRetry(); // the configuration in force is the leader's
        }
        Membership current = kv.node().membership();
        if (current.configuration().isVoter(id)) {
            throw new HttpError(409, MEMBER_EXISTS, id + " is already a voter (configuration index " + current.index()
                    + "), and a voter that lost its state must not rejoin under its old id: remove it first"
                    + " (./tally remove-member " + id + "), or join under a new id. Nothing changed.");
        }
        return cas >= 0 ? cas : current.index();
    }

    /** DELETE /v1/cluster/members/{id}: removes a member (the leader too: it steps down once the change commits). */
    void remove(Exchange ex, String id) throws HttpError, IOException, InterruptedException, KvHttpApi.NotLeaderRetry {
        if (id.isEmpty()) {
            throw HttpError.badRequest("DELETE /v1/cluster/members/{id} needs an id");
        }
        long cas = ex.longParam("cas", -1, 0);
        ex.inDoubt(true);
        Membership m = await(ex, kv.node().changeMembership(new ConfigChange.RemoveMember(id), cas, ex.remaining()),
                "the membership change");
        ex.json(200, describe(m));
    }

    /** POST /v1/cluster/leader with {"id": TARGET} or {}: hands leadership over. */
    void transfer(Exchange ex, byte[] body) throws HttpError, IOException, InterruptedException, KvHttpApi.NotLeaderRetry {
        JsonNode json = parse(body);
        String target = json.has("id") ? text(json, "id", true) : null;
        ex.inDoubt(true);
        String leader = await(ex, kv.node().transferLeadership(target), "the leadership transfer");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("leader", leader);
        out.put("http", MemberHttp.member(kv.node(), leader).flatMap(MemberHttp::of).orElse(null));
        ex.json(200, out);
    }

    /** Waits for a change or transfer that was requested (and so may take effect: {@code ex} is in doubt until refused). */
    private <T> T await(Exchange ex, CompletableFuture<T> f, String what)
            throws HttpError, InterruptedException, KvHttpApi.NotLeaderRetry {
        try {
            return f.get(ex.remaining().toMillis() + 2_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof NotLeaderException) {
                ex.inDoubt(false);
                throw new KvHttpApi.NotLeaderRetry(); // not started: find the leader (or wait out a transfer)
            }
            if (HttpError.ifOverloaded(c).isPresent()) {
                ex.inDoubt(false);
                throw HttpError.ifOverloaded(c).get();
            }
            if (c instanceof ClusterChangeException x) {
                throw switch (x.kind()) {
                    case INVALID -> new HttpError(400, "invalid-change", x.getMessage());
                    case CONFLICT -> new HttpError(409, "conflict", x.getMessage());
                    case FAILED -> new HttpError(409, "change-failed", x.getMessage());
                    case UNKNOWN -> HttpError.outcomeUnknown(what + " may or may not take effect: " + x.getMessage());
                };
            }
            throw HttpError.outcomeUnknown(what + " may or may not take effect: " + c.getMessage());
        } catch (TimeoutException e) {
            throw HttpError.outcomeUnknown(what + " did not finish within " + ex.timeout.toMillis() + " ms");
        }
    }

    private Map<String, Object> describe(Membership m) {
        Configuration c = m.configuration();
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member member : c.members()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("id", member.id());
            mm.put("raft", member.address());
            mm.put("http", MemberHttp.of(member).orElse(null));
            mm.put("voter", member.voter());
            members.add(mm);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("index", m.index());
        out.put("leader", kv.node().leader().orElse(null));
        out.put("joint", c.isJoint());
        if (c.isJoint()) {
            out.put("outgoingVoters", c.outgoingVoters());
        }
        out.put("members", members);
        return out;
    }

    private static JsonNode parse(byte[] body) throws HttpError {
        if (body.length == 0) {
            throw HttpError.badRequest("the request needs a JSON object body");
        }
        try {
            JsonNode n = Exchange.JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw HttpError.badRequest("the body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw HttpError.badRequest("the body is not valid JSON: " + e.getMessage());
        }
    }

    private static String text(JsonNode json, String field, boolean required) throws HttpError {
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

    private static boolean bool(JsonNode json, String field, boolean dflt) throws HttpError {
        JsonNode v = json.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw HttpError.badRequest("\"" + field + "\" must be true or false");
        }
        return v.asBoolean();
    }

    private static void checkAddress(String field, String address) throws HttpError {
        try {
            NettyTransport.parseAddress(address);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("\"" + field + "\" must be host:port: " + e.getMessage());
        }
    }
}
