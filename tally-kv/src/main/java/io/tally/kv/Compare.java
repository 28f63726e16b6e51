package io.tally.kv;

import java.util.Arrays;

/** A condition of a {@link KvRequest.Txn} on one key, checked against the store before the transaction's operations. */
public sealed interface Compare {

    String key();

    /** Whether the condition holds for the key's current value (null when absent). */
    boolean holds(Versioned current);

    /** The key's version is {@code version}; 0 means the key does not exist. */
    record VersionIs(String key, long version) implements Compare {
        public VersionIs {
            KvRequest.checkKey(key);
            if (version < 0) {
                throw new IllegalArgumentException("a compared version is 0 (absent) or positive, not " + version);
            }
        }

        @Override
        public boolean holds(Versioned current) {
            return (current == null ? 0 : current.version()) == version;
        }
    }

    /** The key exists and holds exactly {@code value}. */
    record ValueIs(String key, byte[] value) implements Compare {
        public ValueIs {
            KvRequest.checkKey(key);
            value = value.clone();
        }

        @Override
        public boolean holds(Versioned current) {
            return current != null && Arrays.equals(current.value(), value);
        }

        @Override
        public byte[] value() {
            return value.clone();
        }
    }

    /** The key exists ({@code true}) or does not ({@code false}). */
    record Exists(String key, boolean exists) implements Compare {
        public Exists {
            KvRequest.checkKey(key);
        }

        @Override
        public boolean holds(Versioned current) {
            return (current != null) == exists;
        }
    }
}
