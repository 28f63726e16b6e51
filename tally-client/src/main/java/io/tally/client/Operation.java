package io.tally.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** One operation of a transaction's branch ({@link Txn}); its result is the {@link OpResult} at the same place. */
public sealed interface Operation permits Operation.Put, Operation.Get, Operation.Delete, Operation.DeletePrefix {

    static Operation put(String key, byte[] value) {
        return new Put(key, value, 0);
    }

    static Operation put(String key, String value) {
        return new Put(key, value.getBytes(StandardCharsets.UTF_8), 0);
    }

    /** A put that attaches the key to lease {@code leaseId} (0: none). */
    static Operation put(String key, byte[] value, long leaseId) {
        return new Put(key, value, leaseId);
    }

    static Operation get(String key) {
        return new Get(key);
    }

    static Operation delete(String key) {
        return new Delete(key);
    }

    /** Deletes every key under {@code prefix} (the empty prefix: every key). */
    static Operation deletePrefix(String prefix) {
        return new DeletePrefix(prefix);
    }

    record Put(String key, byte[] value, long lease) implements Operation {
        public Put {
            Objects.requireNonNull(key, "key");
            value = Objects.requireNonNull(value, "value").clone();
            if (lease < 0) {
                throw new IllegalArgumentException("a lease id is positive (0: none), not " + lease);
            }
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Put p && p.key.equals(key) && Arrays.equals(p.value, value) && p.lease == lease;
        }

        @Override
        public int hashCode() {
            return (key.hashCode() * 31 + Arrays.hashCode(value)) * 31 + Long.hashCode(lease);
        }

        @Override
        public String toString() {
            return "Put[key=" + key + ", " + value.length + " bytes" + (lease == 0 ? "" : ", lease=" + lease) + "]";
        }
    }

    record Get(String key) implements Operation {
        public Get {
            Objects.requireNonNull(key, "key");
        }
    }

    record Delete(String key) implements Operation {
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    record DeletePrefix(String prefix) implements Operation {
        public DeletePrefix {
            Objects.requireNonNull(prefix, "prefix");
        }
    }
}
