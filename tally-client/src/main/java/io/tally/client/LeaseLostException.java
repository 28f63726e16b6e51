package io.tally.client;

/**
 * A lease that a {@link Lease} handle kept alive is gone, or may be: the cluster answered that it does not hold it
 * ({@link #expired()} true), or no keep-alive succeeded for a whole TTL, so that it may have expired.
 */
public final class LeaseLostException extends TallyException {

    private static final long serialVersionUID = 1L;
    private final long leaseId;
    private final boolean expired;

    public LeaseLostException(long leaseId, boolean expired, String message, Throwable cause) {
        super(expired ? 404 : 0, expired ? "lease-not-found" : "lease-lost", message, cause);
        this.leaseId = leaseId;
        this.expired = expired;
    }

    public long leaseId() {
        return leaseId;
    }

    /** True if the cluster said the lease is gone; false if it only may be (no keep-alive got through in time). */
    public boolean expired() {
        return expired;
    }
}
