package io.tally.server.cli;

import io.tally.client.ClusterMember;
import io.tally.client.KeyValue;
import io.tally.client.LeaseStatus;
import io.tally.client.Membership;
import io.tally.client.NodeStatus;
import io.tally.client.OpResult;
import io.tally.client.TxnResult;
import io.tally.client.WatchEvent;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON documents of {@code -o json}: the HTTP API's shapes (docs/http-api.md), values in base64, lease ids as
 * decimal strings, durations as {@code 10s}.
 */
final class Documents {

    private Documents() {
    }

    static String base64(byte[] value) {
        return Base64.getEncoder().encodeToString(value);
    }

    /** {@code {"key", "value"?, "version", "created", "lease"?}}. */
    static Map<String, Object> item(KeyValue kv, boolean withValue) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", kv.key());
        if (withValue) {
            m.put("value", base64(kv.value()));
        }
        m.put("version", kv.version());
        m.put("created", kv.created());
        if (kv.hasLease()) {
            m.put("lease", Long.toString(kv.lease()));
        }
        return m;
    }

    static Map<String, Object> event(WatchEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("revision", e.revision());
        m.put("type", e.type() == WatchEvent.Type.PUT ? "put" : "delete");
        m.put("key", e.key());
        if (e.type() == WatchEvent.Type.PUT) {
            m.put("value", base64(e.value()));
        }
        m.put("version", e.version());
        if (e.lease() != 0) {
            m.put("lease", Long.toString(e.lease()));
        }
        return m;
    }

    static Map<String, Object> lease(LeaseStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", Long.toString(s.id()));
        m.put("ttl", DurationConverter.format(s.ttl()));
        m.put("remaining", DurationConverter.format(s.remaining()));
        m.put("keys", s.keys());
        return m;
    }

    static Map<String, Object> txn(TxnResult r) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (OpResult o : r.results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (o instanceof OpResult.Put p) {
                m.put("op", "put");
                m.put("key", p.key());
                m.put("version", p.version());
            } else if (o instanceof OpResult.Get g) {
                m.put("op", "get");
                m.put("key", g.key());
                m.put("found", g.value().isPresent());
                g.value().ifPresent(kv -> m.putAll(item(kv, true)));
            } else if (o instanceof OpResult.Delete d) {
                m.put("op", "delete");
                m.put("key", d.key());
                m.put("deleted", d.deleted());
            } else if (o instanceof OpResult.DeletePrefix d) {
                m.put("op", "delete-prefix");
                m.put("prefix", d.prefix());
                m.put("deleted", d.deleted());
            }
            results.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("succeeded", r.succeeded());
        body.put("revision", r.revision());
        body.put("results", results);
        return body;
    }

    static List<Map<String, Object>> members(List<ClusterMember> members) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ClusterMember m : members) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("id", m.id());
            mm.put("raft", m.raft());
            mm.put("http", m.http().orElse(null));
            mm.put("voter", m.voter());
            out.add(mm);
        }
        return out;
    }

    static Map<String, Object> membership(Membership m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("index", m.index());
        out.put("leader", m.leader().orElse(null));
        out.put("joint", m.joint());
        out.put("members", members(m.members()));
        if (m.joint()) {
            out.put("outgoingVoters", m.outgoingVoters());
        }
        return out;
    }

    /** As the server's {@code /v1/status} has it. */
    static Map<String, Object> status(NodeStatus s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", s.id());
        out.put("state", s.state());
        out.put("term", s.term());
        out.put("leader", s.leader().orElse(null));
        out.put("commitIndex", s.commitIndex());
        out.put("appliedIndex", s.appliedIndex());
        out.put("lastLogIndex", s.lastLogIndex());
        out.put("configurationIndex", s.configurationIndex());
        out.put("removed", s.removed());
        out.put("members", members(s.members()));
        return out;
    }
}
