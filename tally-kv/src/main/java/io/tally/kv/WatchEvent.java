package io.tally.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * One change to one key, as watchers see it. A command that changes several keys (a transaction, a prefix delete, a
 * lease's end) yields one event per key, all with its revision, in the order it made them.
 *
 * @param revision the revision of the command that made the change
 * @param type     a put (or append) or a delete
 * @param key      the key
 * @param value    for a put, the new value; null for a delete
 * @param version  for a put, the key's new version (= {@code revision}); for a delete, the version deleted
 * @param lease    the lease the key is (for a put) or was (for a delete) attached to, or 0
 */
public record WatchEvent(long revision, Type type, String key, byte[] value, long version, long lease) {

    public enum Type { PUT, DELETE }

    static WatchEvent put(long revision, String key, Versioned v) {
        return new WatchEvent(revision, Type.PUT, key, v.value(), v.version(), v.lease());
    }

    static WatchEvent delete(long revision, String key, Versioned old) {
        return new WatchEvent(revision, Type.DELETE, key, null, old.version(), old.lease());
    }

    /** A rough size in memory, for bounding what is kept and queued. */
    long weight() {
        return 64L + 2L * key.length() + (value == null ? 0 : value.length);
    }

    /** Equal when every field is, the value's bytes included. */
    @Override
    public boolean equals(Object o) {
        return o instanceof WatchEvent e && e.revision == revision && e.type == type && e.key.equals(key)
                && e.version == version && e.lease == lease && Arrays.equals(e.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(revision, type, key, version, lease) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return revision + " " + type + " " + key + (value == null ? "" : " (" + value.length + " B)") + " v" + version
                + (lease == 0 ? "" : " lease " + lease);
    }
}
