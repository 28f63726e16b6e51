package io.tally.client;

import java.util.Objects;
import java.util.Optional;

/**
 * A member of the cluster's configuration, as {@code GET /v1/cluster/members} and {@code GET /v1/status} describe it.
 *
 * @param id    the member's id
 * @param raft  its Raft address, {@code HOST:PORT}
 * @param http  its HTTP address, {@code HOST:PORT}; empty for a member added without one (it cannot be forwarded to)
 * @param voter whether it votes (false: a non-voter, such as a new voter still catching up)
 */
public record ClusterMember(String id, String raft, Optional<String> http, boolean voter) {

    public ClusterMember {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(raft, "raft");
        Objects.requireNonNull(http, "http");
    }
}
