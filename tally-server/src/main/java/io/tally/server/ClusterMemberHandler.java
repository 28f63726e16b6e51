package io.tally.server;

import io.tally.raft.model.ConfigChange;
import io.tally.raft.node.RaftNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** {@code DELETE /v1/cluster/members/{id}}: removes a member (the leader too: it steps down once the change commits). */
final class ClusterMemberHandler implements Handler {

    static final String PREFIX = "/v1/cluster/members/";

    private final RaftNode<?> node;
    private final ViaLeader via;

    ClusterMemberHandler(RaftNode<?> node, ViaLeader via) {
        this.node = node;
        this.via = via;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        String id;
        try {
            id = URLDecoder.decode(ex.path().substring(PREFIX.length()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("malformed member id: " + e.getMessage());
        }
        return via.serve(ex, true, () -> {
            if (id.isEmpty()) {
                throw HttpError.badRequest("DELETE /v1/cluster/members/{id} needs an id");
            }
            long cas = ex.longParam("cas", -1, 0);
            ex.inDoubt(true);
            return ex.then(node.changeMembership(new ConfigChange.RemoveMember(id), cas, ex.remaining()),
                    Outcomes.CHANGE_GRACE_MILLIS, (m, failure) -> {
                        if (failure != null) {
                            throw Outcomes.ofChange(ex, failure, "the membership change");
                        }
                        return Reply.json(200, ClusterJson.describe(m, node.leader().orElse(null)));
                    });
        });
    }
}
