package io.tally.client;

/** A request the cluster did not carry out as asked; subclasses say why. */
public class TallyException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    public TallyException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public TallyException(int status, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status of the answer (0 when there was none). */
    public int status() {
        return status;
    }

    /** The server's kebab-case error code (or the client's own, such as {@code unavailable}). */
    public String code() {
        return code;
    }
}
