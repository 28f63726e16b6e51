package io.tally.server;

import io.tally.client.Membership;
import io.tally.client.TallyClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code --join} with an empty data directory: before this node opens its Raft port, ask the cluster whether its id
 * is already a voter, and refuse to start if so.
 *
 * <p>Why: a voter's safety rests on what it has made durable — its term, its vote, the entries it acknowledged.
 * A voter whose directory was wiped and that comes back under its old id has none of that: it may vote twice in
 * one term, and the majority that committed an entry may now count it without the entry, so a committed write can
 * be lost. The danger starts the moment its Raft port is reachable, because the leader already replicates to that
 * id's address and counts its answers; so this check runs before the transport and the Raft node start. A
 * <em>non-voter</em> with the id may come back empty (it never counted toward a quorum), as may an id that is not a
 * member. The cluster refuses such a join too ({@code "join": true} in {@link ClusterMembersHandler}).
 */
final class JoinPreflight {

    private static final Logger LOG = LoggerFactory.getLogger(JoinPreflight.class);
    static final Duration RETRY = Duration.ofSeconds(1);

    private JoinPreflight() {
    }

    /**
     * Asks the members at {@code endpoints} for the membership, retrying every second while none answers; returns if
     * {@code id} may join.
     *
     * @throws TallyNode.DataDirectoryException when {@code id} is a voter of the configuration in force (the message
     *                                          says what to do), or when interrupted while waiting for an answer
     */
    static void check(String id, List<String> endpoints, SecurityOptions security) throws TallyNode.DataDirectoryException {
        Membership membership = fetch(id, endpoints, security);
        Optional<String> refusal = refusal(id, membership);
        if (refusal.isPresent()) {
            throw new TallyNode.DataDirectoryException(refusal.get());
        }
        LOG.info("{} is not a voter of the cluster (configuration index {}): asking to join", id, membership.index());
    }

    private static Membership fetch(String id, List<String> endpoints, SecurityOptions security) throws TallyNode.DataDirectoryException {
        while (true) {
            LOG.info("this node's data directory is empty: asking the cluster at {} whether {} is already a voter", endpoints, id);
            TallyClient client;
            try {
                client = MemberClients.connect(endpoints, Duration.ofSeconds(5), security);
            } catch (IllegalArgumentException e) { // unusable TLS files or endpoints: asking again will not help
                throw new TallyNode.DataDirectoryException("cannot ask the cluster at " + endpoints
                        + " for its members: " + e.getMessage());
            }
            try (client) {
                return client.members();
            } catch (RuntimeException e) {
                LOG.warn("no member of {} described the membership yet, will retry: {}", endpoints, e.getMessage());
            }
            try {
                Thread.sleep(RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TallyNode.DataDirectoryException("interrupted while asking the cluster at " + endpoints
                        + " for its members");
            }
        }
    }

    /**
     * Why {@code id} must not join the cluster described by {@code membership} (a {@code GET /v1/cluster/members}
     * answer), or empty if it may: it must not be a voter of either half of a joint configuration.
     */
    static Optional<String> refusal(String id, Membership membership) {
        if (!membership.isVoter(id)) {
            return Optional.empty();
        }
        return Optional.of(id + " is a voter of the cluster (configuration index " + membership.index()
                + "), but this node starts with an empty data directory: a voter that lost its state must not come back"
                + " under its old id, or it could vote again in a term and forget acknowledged entries, and committed"
                + " writes could be lost. Remove it first (./tally remove-member " + id + "), then start this node again"
                + " with --join; or join under a new id.");
    }
}
