package io.tally.kv;

/** What one operation of a transaction's chosen branch did, in the order of the operations. */
public sealed interface TxnOpResult {

    /** The key now has {@code version} (the transaction's revision). */
    record Put(String key, long version) implements TxnOpResult {
    }

    /** The key's value when the get ran (null when absent). */
    record Get(String key, Versioned value) implements TxnOpResult {
    }

    /** {@code deleted} is 1 if the key existed, else 0. */
    record Delete(String key, long deleted) implements TxnOpResult {
    }

    /** How many keys under {@code prefix} were deleted. */
    record DeletePrefix(String prefix, long deleted) implements TxnOpResult {
    }
}
