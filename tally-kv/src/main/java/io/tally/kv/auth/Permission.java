package io.tally.kv.auth;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Read and/or write access to every key that starts with {@code prefix} (every key, for the empty prefix). A role
 * holds at most one permission per prefix; granting more rights on a prefix it already holds widens that one.
 */
public record Permission(String prefix, boolean read, boolean write) {

    public static final int MAX_PREFIX_BYTES = 4096;

    public Permission {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.getBytes(StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES) {
            throw new IllegalArgumentException("a permission's prefix is at most " + MAX_PREFIX_BYTES + " bytes");
        }
        if (!read && !write) {
            throw new IllegalArgumentException("a permission allows reading, writing or both");
        }
    }

    public boolean allows(Access access) {
        return access == Access.READ ? read : write;
    }

    /** Whether this permission covers every key starting with {@code keyPrefix} (a key's own range for a single key). */
    public boolean covers(String keyPrefix) {
        return keyPrefix.startsWith(prefix);
    }

    @Override
    public String toString() {
        return (read && write ? "readwrite" : read ? "read" : "write") + " '" + prefix + "'";
    }
}
