package io.tally.raft.node;

import io.tally.raft.RaftState;
import io.tally.raft.core.Configuration;
import io.tally.raft.core.Role;

/** An immutable view of a node's state, republished by the Raft loop after every batch. */
public record NodeStatus(String id, RaftState state, String leader, long term, long commitIndex, long lastLogIndex,
                         Configuration configuration, Configuration committedConfiguration) {

    public static NodeStatus initial(String id) {
        return new NodeStatus(id, RaftState.FOLLOWER, null, 0, 0, 0, Configuration.EMPTY, Configuration.EMPTY);
    }

    public NodeStatus shutDown() {
        return new NodeStatus(id, RaftState.SHUTDOWN, null, term, commitIndex, lastLogIndex, configuration,
                committedConfiguration);
    }

    public static RaftState publicState(Role role) {
        return switch (role) {
            case LEADER -> RaftState.LEADER;
            case CANDIDATE, PRE_CANDIDATE -> RaftState.CANDIDATE;
            case FOLLOWER -> RaftState.FOLLOWER;
        };
    }
}
