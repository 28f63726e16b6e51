package io.tally.server.cli;

/**
 * The exit codes of {@code ./tally} (docs/http-api.md, "The CLI"). A command that runs another ({@code ./tally lock NAME -- CMD})
 * exits with that command's code instead.
 */
final class ExitCode {

    /** Done. */
    static final int OK = 0;
    /**
     * A check failed and nothing changed: the key is absent, a compare-and-set or a transaction's comparisons failed,
     * a cluster change was refused (409), the lease does not exist, a watch's revision is no longer kept, a backup is
     * damaged.
     */
    static final int FAILED = 1;
    /** The command line is wrong (or asks for something the cluster refuses as malformed); nothing was sent or done. */
    static final int USAGE = 2;
    /** The cluster is unavailable, a write's outcome is unknown, a lock's lease was lost, or a TLS handshake failed. */
    static final int UNAVAILABLE = 3;
    /**
     * Authentication is on and the credentials are missing or wrong (401 {@code unauthenticated}), or the user may not
     * do this (403 {@code permission-denied}); nothing was done.
     */
    static final int DENIED = 4;

    private ExitCode() {
    }
}
