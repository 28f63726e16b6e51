package io.tally.raft.core;

import java.util.Objects;

/**
 * A member of the cluster configuration.
 *
 * @param id      the stable node id
 * @param address where its Raft transport listens (opaque to the core; may be empty for in-memory transports)
 * @param voter   whether it votes and counts toward quorums; non-voters only receive the log
 */
public record Member(String id, String address, boolean voter) {

    public Member {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.length() > 255) {
            throw new IllegalArgumentException("member id must be 1..255 characters");
        }
        address = address == null ? "" : address;
    }

    public static Member voter(String id) {
        return new Member(id, "", true);
    }

    public static Member voter(String id, String address) {
        return new Member(id, address, true);
    }

    public static Member nonVoter(String id, String address) {
        return new Member(id, address, false);
    }
}
