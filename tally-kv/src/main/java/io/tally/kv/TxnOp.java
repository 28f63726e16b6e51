package io.tally.kv;

/** One operation of a {@link KvRequest.Txn}'s success or failure branch. */
public sealed interface TxnOp {

    /** Sets {@code key} to {@code value}, attached to {@code lease} (0: none). */
    record Put(String key, byte[] value, long lease) implements TxnOp {
        public Put {
            KvRequest.checkKey(key);
            value = value == null ? new byte[0] : value;
            if (lease < 0) {
                throw new IllegalArgumentException("a lease id is positive (or 0 for none), not " + lease);
            }
        }
    }

    /** Reads {@code key}, seeing the writes of the operations before it in the same transaction. */
    record Get(String key) implements TxnOp {
        public Get {
            KvRequest.checkKey(key);
        }
    }

    /** Deletes {@code key} if it exists. */
    record Delete(String key) implements TxnOp {
        public Delete {
            KvRequest.checkKey(key);
        }
    }

    /** Deletes every key that starts with {@code prefix} (every key, for the empty prefix). */
    record DeletePrefix(String prefix) implements TxnOp {
        public DeletePrefix {
            KvRequest.checkPrefix(prefix);
        }
    }
}
