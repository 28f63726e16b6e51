package io.tally.server;

/** Bad command-line input: reported with the usage hint and exit code 2. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
