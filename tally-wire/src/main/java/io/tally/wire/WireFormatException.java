package io.tally.wire;

/** A frame that does not parse, breaks a protocol rule, or arrives where the protocol does not allow it. */
public final class WireFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
