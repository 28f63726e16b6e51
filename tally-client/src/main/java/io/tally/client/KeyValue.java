package io.tally.client;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A key as the store holds it.
 *
 * @param key     the key
 * @param value   its value (empty when read with keys only, {@link Range#keysOnly()})
 * @param version the revision (Raft index) of its last write
 * @param created the revision that created it (0 when the answer did not say, as from an older server)
 * @param lease   the id of the lease it is attached to, 0 if none
 */
public record KeyValue(String key, byte[] value, long version, long created, long lease) {

    private static final byte[] NONE = new byte[0];

    public KeyValue {
        Objects.requireNonNull(key, "key");
        value = value == null ? NONE : value;
    }

    /** A key with no creation revision or lease known. */
    public KeyValue(String key, byte[] value, long version) {
        this(key, value, version, 0, 0);
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** Whether it is attached to a lease (and goes when the lease ends). */
    public boolean hasLease() {
        return lease != 0;
    }
}
