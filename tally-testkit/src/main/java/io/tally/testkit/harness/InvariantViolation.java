package io.tally.testkit.harness;

/**
 * A Raft safety invariant was broken. An {@link Error}, not an exception, so that no layer of the node
 * under test mistakes it for its own failure and swallows it.
 */
public final class InvariantViolation extends AssertionError {

    public InvariantViolation(String message) {
        super(message);
    }
}
