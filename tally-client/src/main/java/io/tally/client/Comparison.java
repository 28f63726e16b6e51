package io.tally.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One condition of a transaction ({@link Txn}): a key's version, its value, or whether it exists. All of a
 * transaction's comparisons are checked at one revision.
 */
public sealed interface Comparison permits Comparison.VersionIs, Comparison.ValueIs, Comparison.Exists {

    String key();

    /** The key's version (the revision of its last write) is {@code version}; 0 means the key does not exist. */
    static Comparison version(String key, long version) {
        return new VersionIs(key, version);
    }

    /** The key exists and holds exactly {@code value}. */
    static Comparison value(String key, byte[] value) {
        return new ValueIs(key, value);
    }

    static Comparison value(String key, String value) {
        return new ValueIs(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The key exists. */
    static Comparison exists(String key) {
        return new Exists(key, true);
    }

    /** The key does not exist. */
    static Comparison absent(String key) {
        return new Exists(key, false);
    }

    record VersionIs(String key, long version) implements Comparison {
        public VersionIs {
            Objects.requireNonNull(key, "key");
            if (version < 0) {
                throw new IllegalArgumentException("a version is >= 0 (0: the key does not exist), not " + version);
            }
        }
    }

    record ValueIs(String key, byte[] value) implements Comparison {
        public ValueIs {
            Objects.requireNonNull(key, "key");
            value = Objects.requireNonNull(value, "value").clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ValueIs v && v.key.equals(key) && Arrays.equals(v.value, value);
        }

        @Override
        public int hashCode() {
            return key.hashCode() * 31 + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "ValueIs[key=" + key + ", " + value.length + " bytes]";
        }
    }

    record Exists(String key, boolean exists) implements Comparison {
        public Exists {
            Objects.requireNonNull(key, "key");
        }
    }
}
