package io.tally.raft.node;

import io.tally.raft.RaftState;
import io.tally.raft.model.Configuration;
import io.tally.raft.core.Role;

/**
 * An immutable view of a node's state, republished by the Raft loop after every batch.
 *
 * @param configurationIndex index of the entry holding {@code configuration} (see {@link io.tally.raft.Membership})
 * @param leaderCommitIndex  the leader's commit index as this node last heard it (its own on the leader; 0 while no
 *                           leader has spoken in this term): applying up to it means having caught up with the
 *                           cluster as it was then
 */
public record NodeStatus(String id, RaftState state, String leader, long term, long commitIndex, long lastLogIndex,
                         Configuration configuration, long configurationIndex, Configuration committedConfiguration,
                         long leaderCommitIndex) {

    /** A status whose leader commit index is not known apart from this node's own. */
    public NodeStatus(String id, RaftState state, String leader, long term, long commitIndex, long lastLogIndex,
                      Configuration configuration, long configurationIndex, Configuration committedConfiguration) {
        this(id, state, leader, term, commitIndex, lastLogIndex, configuration, configurationIndex,
                committedConfiguration, commitIndex);
    }

    public static NodeStatus initial(String id) {
        return new NodeStatus(id, RaftState.FOLLOWER, null, 0, 0, 0, Configuration.EMPTY, 0, Configuration.EMPTY);
    }

    public NodeStatus shutDown() {
        return new NodeStatus(id, RaftState.SHUTDOWN, null, term, commitIndex, lastLogIndex, configuration,
                configurationIndex, committedConfiguration, leaderCommitIndex);
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
