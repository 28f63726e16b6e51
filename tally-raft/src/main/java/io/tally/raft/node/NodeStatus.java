package io.tally.raft.node;

import io.tally.raft.RaftState;
import io.tally.raft.model.Configuration;
import io.tally.raft.core.Role;

/**
 * An immutable view of a node's state, republished by the Raft loop after every batch.
 *
 * @param configurationIndex index of the entry holding {@code configuration} (see {@link io.tally.raft.Membership})
 */
public record NodeStatus(String id, RaftState state, String leader, long term, long commitIndex, long lastLogIndex,
                         Configuration configuration, long configurationIndex, Configuration committedConfiguration) {

    public static NodeStatus initial(String id) {
        return new NodeStatus(id, RaftState.FOLLOWER, null, 0, 0, 0, Configuration.EMPTY, 0, Configuration.EMPTY);
    }

    public NodeStatus shutDown() {
        return new NodeStatus(id, RaftState.SHUTDOWN, null, term, commitIndex, lastLogIndex, configuration,
                configurationIndex, committedConfiguration);
    }

    /**
     * Whether this node learned that it was removed: the configuration in force has members, and it is not one
     * of them. A removed node never campaigns; it can be stopped.
     */
    public boolean removed() {
        return !configuration.members().isEmpty() && !configuration.contains(id);
    }

    public static RaftState publicState(Role role) {
        return switch (role) {
            case LEADER -> RaftState.LEADER;
            case CANDIDATE, PRE_CANDIDATE -> RaftState.CANDIDATE;
            case FOLLOWER -> RaftState.FOLLOWER;
        };
    }
}
