package io.tally.client;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One change of a watched key ({@link TallyClient#watch(Watch)}).
 *
 * @param revision the revision of the write (several events share one when a transaction or prefix delete wrote them)
 * @param type     a put or a delete (a lease's expiry or revocation appears as the deletes it causes)
 * @param key      the key
 * @param value    the new value of a put; empty for a delete
 * @param version  the key's version after the write (the revision, for a put)
 * @param lease    the lease the key is attached to after a put, 0 if none
 */
public record WatchEvent(long revision, Type type, String key, byte[] value, long version, long lease) {

    private static final byte[] NONE = new byte[0];

    public enum Type { PUT, DELETE }

    public WatchEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        value = value == null ? NONE : value;
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
