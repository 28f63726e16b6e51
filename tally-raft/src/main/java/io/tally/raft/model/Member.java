package io.tally.raft.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A member of the cluster configuration.
 *
 * @param id      the stable node id
 * @param address where its Raft transport listens (opaque to the core; may be empty for in-memory transports)
 * @param voter    whether it votes and counts toward quorums; non-voters only receive the log
 * @param metadata what the application records about the member (opaque to Raft; the key/value server keeps
 *                 its HTTP address here, so every node learns every other's through the log)
 */
public record Member(String id, String address, boolean voter, Map<String, String> metadata) {

    public Member {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.length() > 255) {
            throw new IllegalArgumentException("member id must be 1..255 characters");
        }
        address = address == null ? "" : address;
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    public Member(String id, String address, boolean voter) {
        this(id, address, voter, Map.of());
    }

    /** This member with one more metadata entry. */
    public Member withMetadata(String key, String value) {
        Map<String, String> m = new TreeMap<>(metadata);
        m.put(key, value);
        return new Member(id, address, voter, m);
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
