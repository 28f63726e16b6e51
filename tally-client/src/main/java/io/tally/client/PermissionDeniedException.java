package io.tally.client;

/**
 * The client's user may not do what it asked (HTTP 403 {@code permission-denied}): its roles do not grant read or
 * write on every key the request touches, or the request needs the {@code root} role. Nothing was applied.
 */
public class PermissionDeniedException extends TallyException {

    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(String message) {
        super(403, "permission-denied", message);
    }
}
