package io.tally.raft.core;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.model.Configuration;

import io.tally.raft.message.TimeoutNow;

/**
 * Leadership transfer (Raft thesis §3.10), owned by {@link RaftCore}. The leader stops accepting proposals,
 * brings the target's log up to date, then sends it TimeoutNow, on which the target campaigns at once (no
 * PreVote; voters disregard their leader lease for it). If the target has not taken over within the timeout
 * (an election timeout), the transfer is aborted and the leader accepts proposals again.
 *
 * <p>The leader lease is revoked when a transfer starts: the target may be elected long before the lease
 * would have expired, so lease reads fall back to ReadIndex for the rest of this term.
 */
final class LeadershipTransfer {

    /** What a transfer needs of its node. */
    interface Node {
        String id();

        long term();

        Role role();

        /** The leader this node knows of in its term, or null. */
        String leaderId();

        Configuration configuration();

        long lastIndex();

        /** How far {@code peer}'s log is known to match this leader's (-1: not replicated to). */
        long match(String peer);

        /** The voter whose log matches furthest, or null ({@link Replicator#mostUpToDateVoter}). */
        String mostUpToDateVoter();

        /** Whether a membership change is in progress (a transfer then waits its turn: it is refused). */
        boolean changeInProgress();

        long ticks();

        /** Ends the leader lease for the rest of the term: TimeoutNow lets the target skip the voters' vote lease. */
        void revokeLease();

        /** The next output should run the leader's steps again (the transfer may move on). */
        void wakeUp();

        void send(RaftMessage m);

        void answer(AdminResult r);
    }

    private final Node core;
    private final CoreConfig cfg;
    private long requestId;
    /** The member leadership is moving to; null when no transfer is in progress. */
    private String target;
    private long startTerm;
    private long deadline;
    private long lastSentTick;

    LeadershipTransfer(Node node, CoreConfig cfg) {
        this.core = node;
        this.cfg = cfg;
    }

    void request(long requestId, String requested, int timeoutTicks) {
        Configuration c = core.configuration();
        if (core.role() != Role.LEADER) {
            report(AdminResult.of(requestId, AdminResult.Status.NOT_LEADER, "not the leader"));
            return;
        }
        if (target != null) {
            report(AdminResult.of(requestId, AdminResult.Status.CONFLICT, "a transfer to " + target + " is already in progress"));
            return;
        }
        if (core.changeInProgress()) {
            report(AdminResult.of(requestId, AdminResult.Status.CONFLICT, "a membership change is in progress"));
            return;
        }
        String to = requested == null ? core.mostUpToDateVoter() : requested;
        if (to == null) {
            report(AdminResult.of(requestId, AdminResult.Status.INVALID, "there is no other voter to transfer leadership to"));
            return;
        }
        if (to.equals(core.id())) {
            report(new AdminResult(requestId, AdminResult.Status.OK, -1, null, core.id())); // already leads
            return;
        }
        if (!c.isVoter(to)) {
            report(AdminResult.of(requestId, AdminResult.Status.INVALID, to + " is not a voter in " + c));
            return;
        }
        this.requestId = requestId;
        this.target = to;
        this.startTerm = core.term();
        this.deadline = core.ticks() + Math.max(1, timeoutTicks);
        this.lastSentTick = -1; // never sent
        core.revokeLease();
        core.wakeUp(); // so that the next takeOutput sends TimeoutNow if the target is up to date
    }

    /** Whether a transfer is in progress (on the leader: proposals are refused meanwhile). */
    boolean active() {
        return target != null;
    }

    String target() {
        return target;
    }

    /** Leader: once the target's log matches ours, tells it to campaign (again every two heartbeats, in case of loss). */
    void advance() {
        if (target == null || core.role() != Role.LEADER) {
            return;
        }
        if (!core.configuration().isVoter(target)) {
            finish(AdminResult.Status.FAILED, target + " is no longer a voter; the transfer was aborted");
            return;
        }
        long match = core.match(target);
        if (match >= 0 && match == core.lastIndex() && (lastSentTick < 0 || core.ticks() - lastSentTick >= 2L * cfg.heartbeatTicks())) {
            core.send(new TimeoutNow(core.id(), target, core.term()));
            lastSentTick = core.ticks();
        }
    }

    void onTick() {
        if (target == null || core.ticks() < deadline) {
            return;
        }
        if (core.role() == Role.LEADER) {
            finish(AdminResult.Status.FAILED, target + " did not take over within the election timeout; the transfer was"
                    + " aborted and this leader accepts proposals again");
        } else {
            finish(AdminResult.Status.UNKNOWN, "this node stopped leading but has not heard from a new leader yet");
        }
    }

    /** Called on every role or leader change: the transfer ends when a leader of a later term is known. */
    void roleChanged() {
        if (target == null || core.term() == startTerm && core.role() == Role.LEADER) {
            return;
        }
        if (core.role() == Role.LEADER) {
            finish(AdminResult.Status.FAILED, "this node was elected again in term " + core.term());
        } else if (core.leaderId() != null && core.term() > startTerm) {
            if (core.leaderId().equals(target)) {
                report(new AdminResult(requestId, AdminResult.Status.OK, -1, null, target));
                target = null;
            } else {
                finish(AdminResult.Status.FAILED, "leadership moved to " + core.leaderId() + " instead");
            }
        }
    }

    private void finish(AdminResult.Status status, String detail) {
        report(AdminResult.of(requestId, status, detail));
        target = null;
    }

    private void report(AdminResult r) {
        core.answer(r);
    }
}
