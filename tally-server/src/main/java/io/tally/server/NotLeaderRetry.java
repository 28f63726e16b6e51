package io.tally.server;

/**
 * A local attempt found that this node is not (or no longer) the leader before anything happened: {@link ViaLeader}
 * looks for the leader again. Nothing was proposed.
 */
final class NotLeaderRetry extends Exception {

    private static final long serialVersionUID = 1L;

    NotLeaderRetry() {
        super("not the leader", null, false, false);
    }
}
