package io.tally.kv;

/**
 * A client's exactly-once state (Raft thesis §6.3): the last request number it had applied, that request's
 * result, and the log clock at its last write (for expiry).
 */
record Session(long lastSeq, KvResult lastResult, long lastStampMillis) {
}
