package io.tally.server;

import io.tally.raft.node.RaftNode;
import io.tally.raft.model.Member;

import java.util.Optional;

/**
 * A member's HTTP address, kept in the Raft configuration as the member's metadata under {@value #KEY}. It is set
 * when the member is bootstrapped ({@code --cluster}) or added ({@code POST /v1/cluster/members}, {@code --join}),
 * and changes only through a membership change, which takes the leader and a quorum: no single node, and nothing
 * outside the cluster's administration endpoints, can redirect where followers forward client requests.
 */
public final class MemberHttp {

    /** The metadata key of the HTTP address. */
    public static final String KEY = "http";

    private MemberHttp() {
    }

    /** {@code member} with {@code httpAddress} (HOST:PORT) as its HTTP address. */
    public static Member with(Member member, String httpAddress) {
        return member.withMetadata(KEY, httpAddress);
    }

    /** The member's HTTP address; empty for a member added without one (by an embedder through {@code RaftNode}). */
    static Optional<String> of(Member member) {
        return Optional.ofNullable(member.metadata().get(KEY));
    }

    /**
     * Member {@code id} as the configuration in force on {@code node} describes it or, if that one no longer lists
     * it, as the committed one does: a leader that a change removes keeps leading until the change commits, while
     * the joint configuration already lists only the members that stay.
     */
    static Optional<Member> member(RaftNode<?> node, String id) {
        Optional<Member> m = node.configuration().member(id);
        return m.isPresent() ? m : node.committedConfiguration().member(id);
    }
}
