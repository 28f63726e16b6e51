package io.tally.testkit.linearizability;

/**
 * One operation of a recorded history: what a client asked ({@code input}), what it was told
 * ({@code output}), and when it called and when the answer came back.
 *
 * @param client     the client that issued it (for reports)
 * @param input      the request, interpreted by the {@link Model}
 * @param output     the answer, or null when the client never learned the outcome (a timeout or an
 *                   outcome-unknown error): such an operation may have taken effect at any point after its
 *                   call, or never, and its return time is {@link Long#MAX_VALUE}
 * @param callTime   when the request was issued
 * @param returnTime when the answer arrived; {@link Long#MAX_VALUE} when it never did
 */
public record Operation<I, O>(int client, I input, O output, long callTime, long returnTime) {

    public Operation {
        if (returnTime < callTime) {
            throw new IllegalArgumentException("an operation cannot return (" + returnTime + ") before its call (" + callTime + ")");
        }
        if ((output == null) != (returnTime == Long.MAX_VALUE)) {
            throw new IllegalArgumentException("an operation has an output exactly when it returned");
        }
    }

    public boolean outcomeUnknown() {
        return output == null;
    }

    /** An operation whose outcome the client never learned: it may have happened at any time after its call. */
    public static <I, O> Operation<I, O> unknown(int client, I input, long callTime) {
        return new Operation<>(client, input, null, callTime, Long.MAX_VALUE);
    }
}
