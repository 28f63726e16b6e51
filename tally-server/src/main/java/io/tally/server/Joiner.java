package io.tally.server;

import io.tally.client.TallyClient;
import io.tally.client.TallyException;
import io.tally.raft.node.RaftNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code --join}: an empty node asks a running cluster, through any member's HTTP API, to add it — as a voter
 * (the leader adds it as a non-voter, and promotes it once its log has caught up) or as a non-voter. Retries while
 * the cluster is unreachable, busy with another change, or the outcome is unknown, until this node sees itself in
 * the configuration; stops, with an error in the log, if the cluster refuses the request as invalid. The request says
 * it comes from an empty node ({@code "join": true}), so the cluster refuses it if this id is already a voter.
 */
final class Joiner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);
    /** How long one request may take: catching a new voter up on a large log takes a while. */
    static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private final RaftNode<?> node;
    private final List<String> endpoints;
    private final String raftAddress;
    private final String httpAddress;
    private final boolean voter;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tally-join");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    Joiner(RaftNode<?> node, List<String> endpoints, String raftAddress, String httpAddress, boolean voter,
           SecurityOptions security) {
        this.security = security;
        this.node = node;
        this.endpoints = endpoints;
        this.raftAddress = raftAddress;
        this.httpAddress = httpAddress;
        this.voter = voter;
        timer.execute(this::attempt);
    }

    private final SecurityOptions security;

    private boolean joined() {
        return node.configuration().member(node.id()).map(m -> m.voter() == voter).orElse(false);
    }

    private void attempt() {
        if (closed) {
            return;
        }
        if (joined()) {
            LOG.info("this node is a {} of the cluster", voter ? "voter" : "non-voter");
            return;
        }
        LOG.info("asking the cluster at {} to add {} as a {}", endpoints, node.id(), voter ? "voter" : "non-voter");
        try (TallyClient client = MemberClients.connect(endpoints, Duration.ofSeconds(10), security)) {
            client.join(node.id(), raftAddress, httpAddress, voter, REQUEST_TIMEOUT);
            LOG.info("joined the cluster as a {}", voter ? "voter" : "non-voter");
            return;
        } catch (TallyException e) {
            if (e.status() == 400) {
                LOG.error("the cluster refused to add this node: {} ({}); not retrying", e.getMessage(), e.code());
                return;
            }
            if (e.status() == 401 || e.status() == 403) {
                LOG.error("the cluster refused to add this node: {} (authentication is on, and adding a member needs"
                        + " root). Add it as root (./tally add-member {} {} {} --non-voter --user root): it then follows as a"
                        + " non-voter; promote it the same way without --non-voter once it caught up. Not retrying", e.getMessage(), node.id(), raftAddress, httpAddress);
                return;
            }
            if (e.status() == 409 && ClusterJson.MEMBER_EXISTS.equals(e.code())) {
                // JoinPreflight found this id was no voter before this node's Raft port opened, so it became one
                // since, from this node's own log: an earlier attempt whose answer was lost, or an operator's add-member.
                LOG.info("the cluster already has {} as a voter (an earlier request took effect): {}", node.id(), e.getMessage());
                return;
            }
            LOG.warn("joining did not succeed yet, will retry: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("joining did not succeed yet, will retry: {}", e.toString());
        }
        if (!closed) {
            timer.schedule(this::attempt, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
