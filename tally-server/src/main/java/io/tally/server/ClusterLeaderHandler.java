package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.raft.node.RaftNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code POST /v1/cluster/leader} with {@code {"id": TARGET}} or {@code {}}: hands leadership over, on the leader. */
final class ClusterLeaderHandler implements Handler {

    private final RaftNode<?> node;
    private final ViaLeader via;

    ClusterLeaderHandler(RaftNode<?> node, ViaLeader via) {
        this.node = node;
        this.via = via;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        byte[] body = ex.body(ClusterJson.MAX_BODY);
        return via.serve(ex, true, () -> {
            JsonNode json = ClusterJson.parse(body);
            String target = json.has("id") ? ClusterJson.text(json, "id", true) : null;
            ex.inDoubt(true);
            return ex.then(node.transferLeadership(target), Outcomes.CHANGE_GRACE_MILLIS, (leader, failure) -> {
                if (failure != null) {
                    throw Outcomes.ofChange(ex, failure, "the leadership transfer");
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("leader", leader);
                out.put("http", MemberHttp.member(node, leader).flatMap(MemberHttp::of).orElse(null));
                return Reply.json(200, out);
            });
        });
    }
}
