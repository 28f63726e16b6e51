package io.tally.server;

import io.tally.raft.RaftState;
import io.tally.raft.node.NodeStatus;
import io.tally.raft.node.RaftNode;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the node should get client traffic ({@code GET /readyz}), by etcd's rule: it knows a leader, and it has
 * applied everything up to the commit index it learned from the leader after it started — so a restarted node that is
 * still replaying or catching up its log is not ready, and one that has caught up once stays ready while it knows a
 * leader. Also not ready: a node shutting down, removed from the cluster, or stopped by a fatal error.
 *
 * <p>The catch-up target is learned once: on a follower, the leader's commit index as the first message of a leader
 * after the start announced it ({@link NodeStatus#leaderCommitIndex()}); on a leader, the read index of a ReadIndex
 * round (its own commit index may trail until an entry of its term commits). It is looked for on every leader change
 * and every probe, so it is at least the commit index when the node started: the rule can only be stricter.
 */
final class Readiness {

    private static final Duration READ_INDEX_TIMEOUT = Duration.ofSeconds(5);

    private final RaftNode<?> node;
    private final AtomicBoolean askingLeader = new AtomicBoolean();
    /** The commit index to apply before the node is ready; -1 until learned. */
    private volatile long catchUpTarget = -1;
    private volatile boolean caughtUp;
    /** Set when the node stops taking requests (graceful shutdown); null before. */
    private volatile String stopping;

    Readiness(RaftNode<?> node) {
        this.node = node;
        node.addLeaderListener(change -> observe());
    }

    /** From now on the node is not ready, for {@code why}. */
    void stopping(String why) {
        this.stopping = why;
    }

    /** The commit index the node must apply before it is ready, or -1 while it is not known yet. */
    long catchUpTarget() {
        return catchUpTarget;
    }

    /** Null when the node is ready; else why it is not, in a sentence. */
    String whyNotReady() {
        String s = stopping;
        if (s != null) {
            return s;
        }
        Optional<Throwable> fatal = node.fatalError();
        if (fatal.isPresent()) {
            return "the node stopped after a fatal error: " + fatal.get().getMessage();
        }
        NodeStatus status = node.status();
        if (status.state() == RaftState.SHUTDOWN) {
            return "the node is closed";
        }
        if (status.removed()) {
            return "this node was removed from the cluster";
        }
        if (status.leader() == null) {
            return "this node knows no leader";
        }
        observe();
        if (!caughtUp) {
            long target = catchUpTarget;
            return target < 0 ? "this node has not yet learned the leader's commit index"
                    : "this node is catching up: applied index " + node.appliedIndex() + " of " + target;
        }
        return null;
    }

    /** Learns the catch-up target when it can, and notes when the node has reached it. Any thread. */
    private void observe() {
        if (caughtUp) {
            return;
        }
        NodeStatus status = node.status();
        if (catchUpTarget < 0 && status.leader() != null) {
            if (status.leader().equals(status.id())) {
                if (askingLeader.compareAndSet(false, true)) {
                    node.readIndex(READ_INDEX_TIMEOUT).whenComplete((index, failure) -> {
                        askingLeader.set(false);
                        if (failure == null) {
                            learned(index);
                        }
                    });
                }
            } else if (status.leaderCommitIndex() > 0) {
                learned(status.leaderCommitIndex());
            }
        }
        long target = catchUpTarget;
        if (target >= 0 && node.appliedIndex() >= target) {
            caughtUp = true;
        }
    }

    private synchronized void learned(long index) {
        if (catchUpTarget < 0) {
            catchUpTarget = index;
        }
    }
}
