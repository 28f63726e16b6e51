package io.tally.server;

import io.tally.raft.RaftNode;
import io.tally.raft.core.Configuration;
import io.tally.raft.core.Member;

import java.util.Optional;

/**
 * Where a member's HTTP API listens: the {@value #KEY} metadata of its entry in the Raft configuration, so every
 * node learns every other's address through the log, with the membership itself.
 */
public final class MemberHttp {

    /** The member metadata key that holds its HTTP address (HOST:PORT). */
    public static final String KEY = "http";

    private MemberHttp() {
    }

    /** Member {@code id}'s HTTP address in the latest configuration this node holds, if it published one. */
    public static Optional<String> of(RaftNode<?> node, String id) {
        return of(node.configuration(), id);
    }

    public static Optional<String> of(Configuration configuration, String id) {
        return configuration.member(id).map(Member::metadata).map(m -> m.get(KEY));
    }

    /** Whether every member of the configuration has published its HTTP address. */
    public static boolean allPublished(Configuration configuration) {
        return configuration.members().stream().allMatch(m -> m.metadata().containsKey(KEY));
    }
}
