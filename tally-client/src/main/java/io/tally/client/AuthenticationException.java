package io.tally.client;

/**
 * The cluster did not accept the client's credentials (HTTP 401 {@code unauthenticated}): none were given while
 * authentication is on, the user name or password is wrong, or the token is malformed, forged, expired or revoked.
 * Nothing was applied. A client built with a user and password renews its token by itself before this happens; a
 * client built with a fixed token fails with this once that token expires.
 */
public class AuthenticationException extends TallyException {

    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message) {
        super(401, "unauthenticated", message);
    }
}
