package io.tally.client;

/** A compare-and-set found another version; nothing changed. */
public final class CasFailedException extends TallyException {

    private static final long serialVersionUID = 1L;
    private final long currentVersion;

    public CasFailedException(long currentVersion, String message) {
        super(409, "cas-failed", message);
        this.currentVersion = currentVersion;
    }

    /** The key's version when the compare-and-set was tried (0: absent). */
    public long currentVersion() {
        return currentVersion;
    }
}
