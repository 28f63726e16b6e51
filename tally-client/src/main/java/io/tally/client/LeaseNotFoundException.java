package io.tally.client;

/**
 * The cluster holds no such lease: it was never granted, was revoked, or expired. A write that named it applied
 * nothing.
 */
public final class LeaseNotFoundException extends TallyException {

    private static final long serialVersionUID = 1L;

    public LeaseNotFoundException(String message) {
        super(404, "lease-not-found", message);
    }
}
