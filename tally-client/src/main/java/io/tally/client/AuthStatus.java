package io.tally.client;

/** {@code GET /v1/auth/status}: whether authentication is on, whether a root user exists, at which revision. */
public record AuthStatus(boolean enabled, boolean rootUserExists, long revision) {
}
