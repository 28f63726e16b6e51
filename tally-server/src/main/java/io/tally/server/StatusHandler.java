package io.tally.server;

import io.tally.kv.KvService;
import io.tally.raft.RaftState;
import io.tally.raft.model.Configuration;
import io.tally.raft.node.NodeStatus;

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
        NodeStatus s = kv.node().status();
        Configuration c = s.configuration();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", kv.node().id());
        body.put("state", stateName(s, c));
        body.put("term", s.term());
        body.put("leader", s.leader());
        body.put("commitIndex", s.commitIndex());
        body.put("appliedIndex", kv.node().appliedIndex());
        body.put("lastLogIndex", s.lastLogIndex());
        body.put("configurationIndex", s.configurationIndex());
        body.put("removed", s.removed());
        body.put("members", ClusterJson.members(c));
        return CompletableFuture.completedFuture(Reply.json(200, body));
    }

    private String stateName(NodeStatus s, Configuration c) {
        if (s.removed()) {
            return "removed";
        }
        if (s.state() == RaftState.FOLLOWER && c.contains(kv.node().id()) && !c.isVoter(kv.node().id())) {
            return "non-voter";
        }
        return s.state().name().toLowerCase(Locale.ROOT);
    }
}
