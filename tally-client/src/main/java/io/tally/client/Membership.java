package io.tally.client;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cluster's membership as the leader holds it ({@code GET /v1/cluster/members}, and the answer to a change).
 *
 * @param index          the configuration's log index (what {@code ?cas=} compares with)
 * @param leader         the leader's id, if one is known
 * @param joint          whether a change is in its joint phase (then {@code outgoingVoters} are the old voters)
 * @param members        every member of the new configuration, voters and non-voters
 * @param outgoingVoters the old voters while {@code joint}; empty otherwise
 */
public record Membership(long index, Optional<String> leader, boolean joint, List<ClusterMember> members,
                         List<String> outgoingVoters) {

    public Membership {
        Objects.requireNonNull(leader, "leader");
        members = List.copyOf(members);
        outgoingVoters = List.copyOf(outgoingVoters);
    }

    public Optional<ClusterMember> member(String id) {
        return members.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    /** Whether {@code id} votes in either half of the configuration (the new voters, or the old ones while joint). */
    public boolean isVoter(String id) {
        return outgoingVoters.contains(id) || member(id).map(ClusterMember::voter).orElse(false);
    }

    /** The ids of the voters of the new configuration, sorted. */
    public Set<String> voters() {
        Set<String> out = new TreeSet<>();
        members.stream().filter(ClusterMember::voter).forEach(m -> out.add(m.id()));
        return out;
    }
}
