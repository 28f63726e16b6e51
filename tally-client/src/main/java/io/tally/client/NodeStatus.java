package io.tally.client;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's view of itself ({@code GET /v1/status}).
 *
 * @param id                 the node's id
 * @param state              {@code leader}, {@code follower}, {@code candidate}, {@code non-voter} or {@code removed}
 * @param term               its current term
 * @param leader             the leader it knows, if any
 * @param commitIndex        the highest log index it knows committed
 * @param appliedIndex       the highest log index its state machine applied
 * @param lastLogIndex       the last index in its log
 * @param configurationIndex the log index of its configuration
 * @param removed            whether it learned that it was removed from the cluster
 * @param members            the members of its configuration
 */
public record NodeStatus(String id, String state, long term, Optional<String> leader, long commitIndex,
                         long appliedIndex, long lastLogIndex, long configurationIndex, boolean removed,
                         List<ClusterMember> members) {

    public NodeStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(leader, "leader");
        members = List.copyOf(members);
    }

    public boolean isLeader() {
        return "leader".equals(state);
    }
}
