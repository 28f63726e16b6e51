package io.tally.kv;

/**
 * A client's exactly-once state (Raft thesis §6.3): the last request number it had applied, that request's
 * result, and the log clock at its last activity (for expiry).
 *
 * @param lastSeq         0 for a session that has applied nothing yet
 * @param lastResult      the answer to {@code lastSeq}, returned again to a retry of it
 * @param lastStampMillis when the session was last active, by the log's clock ({@link SessionTable#now()})
 * @param owner           the user that opened it ("" when authentication was off): while authentication is on,
 *                        only that user's commands may use it, so no user ever sees another's recorded answers
 */
record Session(long lastSeq, KvResult lastResult, long lastStampMillis, String owner) {

    Session(long lastSeq, KvResult lastResult, long lastStampMillis) {
        this(lastSeq, lastResult, lastStampMillis, "");
    }

    Session touched(long now) {
        return new Session(lastSeq, lastResult, now, owner);
    }
}
