package io.tally.client;

/**
 * A write was (or may have been) proposed, and whether it was applied could not be learned within the
 * timeout. It may take effect later. The client never turns this into a plain failure, and never retries it
 * into a duplicate: a retry with the same session returns the original outcome instead.
 */
public final class OutcomeUnknownException extends TallyException {

    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message, Throwable cause) {
        super(504, "outcome-unknown", message, cause);
    }
}
