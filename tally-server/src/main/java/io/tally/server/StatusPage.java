package io.tally.server;

import io.tally.raft.LeaderListener;
import io.tally.raft.node.NodeStatus;
import io.tally.raft.node.RaftNode;
import io.tally.raft.storage.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a node keeps for its status page ({@code /ui}): its {@link NodeActivity}, five minutes of one-second samples
 * ({@link NodeHistory}) and its recent {@link NodeEvents}. One daemon thread samples once a second and looks at the
 * node's configuration four times a second; both read a few counters and the node's published status, so keeping
 * the history costs nothing measurable whether or not a page is open.
 */
final class StatusPage implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusPage.class);
    static final long SAMPLE_MILLIS = 1000;
    static final long EVENT_CHECK_MILLIS = 250;

    private final String nodeId;
    private final long started = System.currentTimeMillis();
    private final NodeActivity activity = new NodeActivity();
    private final NodeHistory history = new NodeHistory();
    private final NodeEvents events;
    private ScheduledExecutorService sampler;
    private RaftNode<?> node;
    private LeaderListener listener;
    // Sampler thread only:
    private long seq;
    private long lastSampleNanos;
    private long lastCommitIndex;

    StatusPage(String nodeId) {
        this.nodeId = nodeId;
        this.events = new NodeEvents(nodeId, System::currentTimeMillis);
    }

    NodeActivity activity() {
        return activity;
    }

    NodeHistory history() {
        return history;
    }

    NodeEvents events() {
        return events;
    }

    /** When this process started keeping its history (epoch ms): a page seeing it change knows the node restarted. */
    long started() {
        return started;
    }

    /** {@code store}, telling this page's events about each snapshot it commits. */
    SnapshotStore observe(SnapshotStore store) {
        return new ObservedSnapshotStore(store, events::snapshotted);
    }

    /** Starts following {@code n}: its leader changes, its configuration, and a sample every second. */
    synchronized void start(RaftNode<?> n) {
        this.node = n;
        this.listener = change -> events.leaderChanged(change, n.status().commitIndex());
        n.addLeaderListener(listener);
        lastSampleNanos = System.nanoTime();
        lastCommitIndex = n.commitIndex();
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tally-status-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::checkEvents, 0, EVENT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        sampler.scheduleAtFixedRate(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void checkEvents() {
        try {
            events.observe(node.status());
        } catch (RuntimeException e) {
            LOG.warn("status page: cannot look at the node's configuration", e); // never kill the schedule
        }
    }

    private void sample() {
        try {
            long now = System.nanoTime();
            double seconds = Math.max(1e-3, (now - lastSampleNanos) / 1e9);
            lastSampleNanos = now;
            NodeStatus s = node.status();
            NodeActivity.Interval a = activity.interval();
            history.add(NodeHistory.sample(++seq, System.currentTimeMillis(), seconds, a, s.commitIndex(), lastCommitIndex,
                    node.appliedIndex(), s.term(), StatusHandler.stateName(s)));
            lastCommitIndex = s.commitIndex();
        } catch (RuntimeException e) {
            LOG.warn("status page: cannot sample the node", e);
        }
    }

    @Override
    public synchronized void close() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
        if (listener != null) {
            node.removeLeaderListener(listener);
            listener = null;
        }
    }
}
