package io.tally.raft.message;

/** Thrown by {@link MessageCodec#decode} for any frame that is not a valid encoding of a message. */
public class MalformedMessageException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String message) {
        super(message);
    }

    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
