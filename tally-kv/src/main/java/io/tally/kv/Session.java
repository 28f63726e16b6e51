package io.tally.kv;

/**
 * A client's exactly-once state (Raft thesis §6.3): the last request number it had applied, that request's
 * result, and the log clock at its last activity (for expiry).
 *
 * @param lastSeq         0 for a session that has applied nothing yet
 * @param lastResult      the answer to {@code lastSeq}, returned again to a retry of it
 * @param lastStampMillis when the session was last active, by the log's clock ({@link SessionTable#now()})
 */
record Session(long lastSeq, KvResult lastResult, long lastStampMillis) {
}
