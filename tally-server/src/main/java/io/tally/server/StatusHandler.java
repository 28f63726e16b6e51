package io.tally.server;

import io.tally.kv.KvService;
import io.tally.raft.RaftState;
import io.tally.raft.model.Configuration;
import io.tally.raft.node.NodeStatus;
import io.tally.raft.node.RaftNode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code GET /v1/status}: this node's view of the cluster, from its own state (never forwarded). */
final class StatusHandler implements Handler {

    private final KvService kv;

    StatusHandler(KvService kv) {
        this.kv = kv;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) {
        return CompletableFuture.completedFuture(Reply.json(200, describe(kv.node())));
    }

    /** The body of {@code GET /v1/status} for {@code node} (docs/http-api.md). */
    static Map<String, Object> describe(RaftNode<?> node) {
        NodeStatus s = node.status();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", node.id());
        body.put("state", stateName(s));
        body.put("term", s.term());
        body.put("leader", s.leader());
        body.put("commitIndex", s.commitIndex());
        body.put("appliedIndex", node.appliedIndex());
        body.put("lastLogIndex", s.lastLogIndex());
        body.put("configurationIndex", s.configurationIndex());
        body.put("removed", s.removed());
        body.put("members", ClusterJson.members(s.configuration()));
        return body;
    }

    /** {@code leader}, {@code follower}, {@code candidate}, {@code non-voter}, {@code removed} (or {@code shutdown}). */
    static String stateName(NodeStatus s) {
        Configuration c = s.configuration();
        if (s.removed()) {
            return "removed";
        }
        if (s.state() == RaftState.FOLLOWER && c.contains(s.id()) && !c.isVoter(s.id())) {
            return "non-voter";
        }
        return s.state().name().toLowerCase(Locale.ROOT);
    }
}
