package io.tally.client;

/**
 * No node could serve the request within its timeout: none reachable, or no leader. For a write this means it
 * was certainly not applied.
 */
public final class ClusterUnavailableException extends TallyException {

    private static final long serialVersionUID = 1L;

    public ClusterUnavailableException(String message, Throwable cause) {
        super(503, "no-leader", message, cause);
    }
}
