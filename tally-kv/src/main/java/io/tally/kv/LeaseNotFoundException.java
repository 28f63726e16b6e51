package io.tally.kv;

/** The lease does not exist: never granted, revoked, expired, or being expired by the leader right now. */
public final class LeaseNotFoundException extends RuntimeException {

    private final long id;

    public LeaseNotFoundException(long id) {
        super("no lease " + id + " (never granted, revoked or expired)", null, false, false);
        this.id = id;
    }

    public long id() {
        return id;
    }
}
