package io.tally.client;

import java.util.Objects;
import java.util.Optional;

/** What one operation of a transaction did, in the order of the branch that ran ({@link TxnResult#results()}). */
public sealed interface OpResult permits OpResult.Put, OpResult.Get, OpResult.Delete, OpResult.DeletePrefix {

    /** A put: the key's new version (the transaction's revision). */
    record Put(String key, long version) implements OpResult {
        public Put {
            Objects.requireNonNull(key, "key");
        }
    }

    /** A get: the key as it was at that point of the transaction, if it existed. */
    record Get(String key, Optional<KeyValue> value) implements OpResult {
        public Get {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** A delete: whether the key existed. */
    record Delete(String key, boolean deleted) implements OpResult {
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    /** A prefix delete: how many keys it deleted. */
    record DeletePrefix(String prefix, long deleted) implements OpResult {
        public DeletePrefix {
            Objects.requireNonNull(prefix, "prefix");
        }
    }
}
