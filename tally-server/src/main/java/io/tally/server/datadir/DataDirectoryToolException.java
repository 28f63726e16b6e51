package io.tally.server.datadir;

/** An offline data-directory tool cannot do what it was asked, and says why; it has changed nothing. */
public final class DataDirectoryToolException extends Exception {

    private static final long serialVersionUID = 1L;

    public DataDirectoryToolException(String message) {
        super(message);
    }

    public DataDirectoryToolException(String message, Throwable cause) {
        super(message, cause);
    }
}
