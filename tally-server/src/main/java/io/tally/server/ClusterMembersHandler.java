package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.raft.Membership;
import io.tally.raft.RaftState;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Member;
import io.tally.raft.node.RaftNode;

import java.util.concurrent.CompletableFuture;

/**
 * {@code /v1/cluster/members}: GET lists the membership in force on the leader, with its index (for {@code ?cas=});
 * POST with {@code {"id", "raft", "http", "voter"}} adds a member, or changes an existing member's role or addresses —
 * the only way a member's HTTP address changes. Both run on the leader ({@link ViaLeader}).
 */
final class ClusterMembersHandler implements Handler {

    private final RaftNode<?> node;
    private final ViaLeader via;

    ClusterMembersHandler(RaftNode<?> node, ViaLeader via) {
        this.node = node;
        this.via = via;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        if (ex.method().equals("GET")) {
            return via.serve(ex, false, () -> {
                if (node.status().state() != RaftState.LEADER) {
                    throw new NotLeaderRetry();
                }
                return CompletableFuture.completedFuture(Reply.json(200,
                        ClusterJson.describe(node.membership(), node.leader().orElse(null))));
            });
        }
        byte[] body = ex.body(ClusterJson.MAX_BODY);
        return via.serve(ex, true, () -> add(ex, body));
    }

    private CompletableFuture<Reply> add(Exchange ex, byte[] body) throws HttpError, NotLeaderRetry {
        JsonNode json = ClusterJson.parse(body);
        String id = ClusterJson.text(json, "id", true);
        String raft = ClusterJson.text(json, "raft", true);
        String http = ClusterJson.text(json, "http", true);
        boolean voter = ClusterJson.bool(json, "voter", true);
        boolean join = ClusterJson.bool(json, "join", false);
        if (id.length() > 255) {
            throw HttpError.badRequest("a member id is at most 255 characters");
        }
        ClusterJson.checkAddress("raft", raft);
        ClusterJson.checkAddress("http", http);
        long cas = ex.longParam("cas", -1, 0);
        if (join) {
            cas = refuseRejoin(id, cas);
        }
        // The HTTP address is part of the member's entry in the configuration: one change sets role and both addresses.
        Member member = MemberHttp.with(new Member(id, raft, voter), http);
        ex.inDoubt(true);
        return ex.then(node.changeMembership(new ConfigChange.AddMember(member), cas, ex.remaining()),
                Outcomes.CHANGE_GRACE_MILLIS, (m, failure) -> {
                    if (failure != null) {
                        throw Outcomes.ofChange(ex, failure, "the membership change");
                    }
                    return Reply.json(200, ClusterJson.describe(m, node.leader().orElse(null)));
                });
    }

    /**
     * A join request comes from a node with empty state (JoinPreflight explains the danger): refused with 409
     * {@value ClusterJson#MEMBER_EXISTS} if {@code id} is a voter of the configuration in force, in either half of a
     * joint one. Returns the configuration index the change must then start from, so that a change committed between
     * this check and the start (one that made {@code id} a voter) makes the request fail with 409 conflict instead.
     */
    private long refuseRejoin(String id, long cas) throws HttpError, NotLeaderRetry {
        if (node.status().state() != RaftState.LEADER) {
            throw new NotLeaderRetry(); // the configuration in force is the leader's
        }
        Membership current = node.membership();
        if (current.configuration().isVoter(id)) {
            throw new HttpError(409, ClusterJson.MEMBER_EXISTS, id + " is already a voter (configuration index "
                    + current.index() + "), and a voter that lost its state must not rejoin under its old id: remove it"
                    + " first (./tally remove-member " + id + "), or join under a new id. Nothing changed.");
        }
        return cas >= 0 ? cas : current.index();
    }
}
