package io.tally.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A key's value as the store holds it. Immutable by convention (the array is never modified after construction),
 * so readers may hold one while writes go on.
 *
 * @param value   the bytes
 * @param version the revision (Raft index) of the write that produced this value: etcd's {@code mod_revision}
 * @param created the revision of the write that created the key (since it last did not exist): etcd's
 *                {@code create_revision}
 * @param lease   the lease the key is attached to, or 0 for none; the key is deleted when the lease ends
 */
public record Versioned(byte[] value, long version, long created, long lease) {

    public Versioned {
        Objects.requireNonNull(value, "value");
        if (version < 1 || created < 1 || created > version || lease < 0) {
            throw new IllegalArgumentException("bad versions: version " + version + ", created " + created + ", lease " + lease);
        }
    }

    /** Equal when the bytes, versions and lease are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Versioned v && v.version == version && v.created == created && v.lease == lease
                && Arrays.equals(v.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, created, lease) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Versioned[" + value.length + " B, version " + version + ", created " + created
                + (lease == 0 ? "" : ", lease " + lease) + "]";
    }
}
