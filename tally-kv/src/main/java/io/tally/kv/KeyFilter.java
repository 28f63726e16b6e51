package io.tally.kv;

import java.util.Objects;

/** Which keys a watch follows: one key, or every key under a prefix (every key, for the empty prefix). */
public record KeyFilter(String key, boolean prefix) {

    public KeyFilter {
        Objects.requireNonNull(key, "key");
        if (prefix) {
            KvRequest.checkPrefix(key);
        } else {
            KvRequest.checkKey(key);
        }
    }

    public static KeyFilter key(String key) {
        return new KeyFilter(key, false);
    }

    public static KeyFilter prefix(String prefix) {
        return new KeyFilter(prefix, true);
    }

    public boolean matches(String k) {
        return prefix ? k.startsWith(key) : k.equals(key);
    }

    @Override
    public String toString() {
        return prefix ? "prefix '" + key + "'" : "key '" + key + "'";
    }
}
