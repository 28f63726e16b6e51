package io.tally.raft;

/** Bootstrapping was refused, for example because the node already holds state. */
public class BootstrapException extends RaftException {

    public BootstrapException(String message) {
        super(message);
    }
}
