package io.tally.kv;

/** How a {@link KvStateMachine} comes to hold a client session. */
public enum SessionRule {

    /**
     * The only rule for real use, and the default: a session exists once its {@link KvRequest.Register} entry
     * is applied (Raft thesis §6.3), and a write on a session the state machine does not hold is refused with
     * {@link KvResult.Status#SESSION_EXPIRED}, applying nothing.
     */
    REGISTERED,

    /**
     * UNSAFE; exists only for control runs that show what registration prevents. A write with sequence number 1 on
     * a session the state machine does not hold creates that session implicitly (the rule before registration).
     * Its flaw: when a client's first write applied, its answer was lost and the session then expired, the retry
     * of that write looks like the first write of a new session and applies a second time.
     */
    IMPLICIT_UNSAFE
}
