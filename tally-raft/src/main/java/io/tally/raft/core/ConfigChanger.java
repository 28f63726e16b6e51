package io.tally.raft.core;

import io.tally.raft.message.RaftMessage;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.model.ConfigChange;

import io.tally.raft.message.TimeoutNow;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The leader's membership changes, by joint consensus (Raft thesis §4.3). Owned by {@link RaftCore}.
 *
 * <p>Rules, each load-bearing:
 * <ul>
 *   <li>A configuration takes effect on a node as soon as it is in its log (§4.1; {@link RaftCore#configuration}).</li>
 *   <li>At most one change is in flight: a leader appends a configuration entry only when the latest one in its
 *       log is committed.</li>
 *   <li>A leader appends no configuration entry before an entry of its own term is committed (the fix for the
 *       single-server change bug, raft-dev, July 2015): until then its commit index may be stale, and so may its
 *       idea of which configuration is committed.</li>
 *   <li>A change of voters passes through the joint configuration C<sub>old,new</sub>, whose decisions need a
 *       majority of both voter sets ({@link Quorum}); once it commits, any leader appends C<sub>new</sub> on its own
 *       (also a leader that inherited the joint configuration from a crashed predecessor).</li>
 *   <li>New voters join as non-voters first and are promoted once their log is within
 *       {@link CoreConfig#catchUpMaxLag} entries of the leader's (§4.2.1).</li>
 *   <li>A leader that is not a voter of the committed C<sub>new</sub> steps down (§4.2.2), after telling the most
 *       up-to-date remaining voter to campaign at once (TimeoutNow). Until then it leads without counting itself
 *       in the new majority.</li>
 *   <li>Members removed by an uncommitted configuration still receive the log until it commits, so that they learn
 *       they were removed.</li>
 * </ul>
 */
final class ConfigChanger {

    private enum Phase {
        /** Queued: waiting for an own-term commit, the previous change or a leadership transfer to finish. */
        WAITING,
        /** The new voters were appended as non-voters; waiting for that entry to commit. */
        ADDING_NON_VOTERS,
        /** Waiting for the new voters' logs to come within catchUpMaxLag of the leader's. */
        CATCHING_UP,
        /** C_old,new was appended; waiting for it and then for C_new to commit. */
        JOINT,
        /** A configuration with unchanged voters was appended directly; waiting for it to commit. */
        FINAL
    }

    private static final class Pending {
        final long requestId;
        final ConfigChange change;
        final long expectedIndex;
        final long deadline;
        Phase phase = Phase.WAITING;
        Configuration target;
        /** The voters of the target that were not voters when the change started. */
        Set<String> newVoters = Set.of();
        long entryIndex;

        Pending(long requestId, ConfigChange change, long expectedIndex, long deadline) {
            this.requestId = requestId;
            this.change = change;
            this.expectedIndex = expectedIndex;
            this.deadline = deadline;
        }
    }

    /** What membership changes need of the leader. */
    interface Leader {
        String id();

        long term();

        Role role();

        long ticks();

        RaftLog log();

        long commitIndex();

        /** Whether an entry of the leader's own term is committed. */
        boolean ownTermCommitted();

        /** The configuration in force (the latest in the log). */
        Configuration configuration();

        boolean transferActive();

        /** How far {@code peer}'s log is known to match the leader's (-1: not replicated to). */
        long match(String peer);

        /** The voter of {@code c} that holds the leader's whole log, or null ({@link Replicator#upToDateVoter}). */
        String upToDateVoter(Configuration c);

        /** Appends {@code c} as a CONFIGURATION entry of the leader's term; returns its index. */
        long appendConfiguration(Configuration c);

        /** The committed configuration moved: replicate to its members (and stop replicating to removed ones). */
        void peersChanged();

        /** The next output should run the leader's steps again (the change may move on). */
        void wakeUp();

        void send(RaftMessage m);

        /** This leader is not a voter of the committed configuration: it steps down (thesis §4.2.2). */
        void stepDown();

        void answer(AdminResult r);
    }

    private final Leader core;
    private final CoreConfig cfg;
    private Pending pending;
    /** The committed configuration's index when the replicator last re-read its peers. */
    private long trackedCommittedIndex = -1;

    ConfigChanger(Leader leader, CoreConfig cfg) {
        this.core = leader;
        this.cfg = cfg;
    }

    void request(long requestId, ConfigChange change, long expectedIndex, int timeoutTicks) {
        if (core.role() != Role.LEADER) {
            report(AdminResult.of(requestId, AdminResult.Status.NOT_LEADER, "not the leader"));
        } else if (pending != null) {
            report(AdminResult.of(requestId, AdminResult.Status.CONFLICT, "another membership change is in progress"));
        } else if (core.transferActive()) {
            report(AdminResult.of(requestId, AdminResult.Status.CONFLICT, "a leadership transfer is in progress"));
        } else if (expectedIndex >= 0 && expectedIndex != core.log().latestConfigurationIndex()) {
            report(staleBase(requestId, expectedIndex));
        } else {
            pending = new Pending(requestId, change, expectedIndex, core.ticks() + Math.max(1, timeoutTicks));
            core.wakeUp(); // so that the next takeOutput starts it
        }
    }

    boolean hasPending() {
        return pending != null;
    }

    /**
     * Leader, before replicating: moves the change along as far as commits and catch-up allow. Everything that can
     * let it move (a commit, an acknowledgement, a new request) marks the replicator dirty, which makes the driver
     * take output and so call this.
     */
    void advance() {
        long committedAt = core.log().configurationIndexAtOrBelow(core.commitIndex());
        if (committedAt != trackedCommittedIndex) {
            trackedCommittedIndex = committedAt;
            core.peersChanged(); // drop peers that a now-committed configuration removed
        }
        boolean ready = core.ownTermCommitted() && latestCommitted() && !core.transferActive();
        Configuration config = core.configuration();
        if (ready && config.isJoint()) {
            // C_old,new is committed: leave it for C_new (§4.3), whoever started the change.
            append(Configuration.of(config.members()));
            ready = false;
        }
        if (pending == null) {
            return;
        }
        switch (pending.phase) {
            case WAITING -> {
                if (ready) {
                    start();
                }
            }
            case ADDING_NON_VOTERS -> {
                if (core.commitIndex() >= pending.entryIndex) {
                    pending.phase = Phase.CATCHING_UP;
                    catchUp();
                }
            }
            case CATCHING_UP -> catchUp();
            case JOINT -> {
                if (latestCommitted() && !config.isJoint() && core.log().latestConfigurationIndex() > pending.entryIndex) {
                    finish();
                }
            }
            case FINAL -> {
                if (core.commitIndex() >= pending.entryIndex) {
                    finish();
                }
            }
        }
    }

    private void start() {
        Configuration current = core.configuration();
        if (pending.expectedIndex >= 0 && pending.expectedIndex != core.log().latestConfigurationIndex()) {
            report(staleBase(pending.requestId, pending.expectedIndex));
            pending = null;
            return;
        }
        Configuration target;
        try {
            target = Configuration.of(pending.change.resolve(current));
        } catch (IllegalArgumentException e) {
            reportAndClear(AdminResult.Status.INVALID, e.getMessage());
            return;
        }
        if (target.voters().isEmpty()) {
            reportAndClear(AdminResult.Status.INVALID, "the change would leave no voters: " + target);
            return;
        }
        if (target.members().equals(current.members())) {
            finish(); // nothing to do: the configuration already is the target
            return;
        }
        pending.target = target;
        Set<String> newVoters = new LinkedHashSet<>(target.voters());
        newVoters.removeAll(current.voters());
        pending.newVoters = newVoters;
        List<Member> interim = new ArrayList<>(current.members());
        for (Member m : target.members()) {
            if (newVoters.contains(m.id()) && current.member(m.id()).isEmpty()) {
                interim.add(new Member(m.id(), m.address(), false, m.metadata()));
            }
        }
        if (interim.size() > current.members().size()) {
            pending.entryIndex = append(Configuration.of(interim));
            pending.phase = Phase.ADDING_NON_VOTERS;
        } else if (!newVoters.isEmpty()) {
            pending.phase = Phase.CATCHING_UP;
            catchUp();
        } else {
            transition();
        }
    }

    /** Promotes the new voters once every one of them is caught up. */
    private void catchUp() {
        for (String id : pending.newVoters) {
            if (!caughtUp(id)) {
                return;
            }
        }
        transition();
    }

    private boolean caughtUp(String id) {
        long match = core.match(id);
        // match > 0: it has answered at least once, so it is reachable (an unreachable voter could stall commits).
        return match > 0 && match + cfg.catchUpMaxLag() >= core.log().lastIndex();
    }

    /** Appends C_old,new, or the target itself when the voters do not change. */
    private void transition() {
        Configuration current = core.configuration();
        Configuration target = pending.target;
        if (target.voters().equals(current.voters())) {
            pending.entryIndex = append(target);
            pending.phase = Phase.FINAL;
        } else {
            pending.entryIndex = append(new Configuration(target.members(), current.voters()));
            pending.phase = Phase.JOINT;
        }
    }

    private void finish() {
        core.answer(new AdminResult(pending.requestId, AdminResult.Status.OK, core.log().latestConfigurationIndex(),
                core.configuration(), "committed"));
        pending = null;
    }

    /**
     * Leader, after replicating: a leader that is not a voter of the committed, plain configuration in force hands
     * over and steps down (thesis §4.2.2).
     */
    void stepDownIfRemoved() {
        Configuration c = core.configuration();
        if (core.role() != Role.LEADER || c.isJoint() || c.isVoter(core.id()) || !latestCommitted() || c.voters().isEmpty()) {
            return;
        }
        String successor = core.upToDateVoter(c);
        if (successor != null) {
            core.send(new TimeoutNow(core.id(), successor, core.term()));
        }
        core.stepDown();
    }

    void onTick() {
        if (pending == null || core.ticks() < pending.deadline) {
            return;
        }
        switch (pending.phase) {
            case WAITING -> reportAndClear(AdminResult.Status.FAILED, "timed out before the change could start ("
                    + waitingFor() + "); nothing was changed");
            case ADDING_NON_VOTERS, CATCHING_UP -> reportAndClear(AdminResult.Status.FAILED, "timed out while "
                    + lagging() + " caught up; the change stopped before any voter changed, and new members may remain"
                    + " non-voters (remove them, or add them again)");
            case JOINT, FINAL -> reportAndClear(AdminResult.Status.UNKNOWN, "timed out: the new configuration is in the"
                    + " log but not yet committed; it takes effect if it commits");
        }
    }

    /** Called on every role or leader change: a change in progress ends with this node's leadership. */
    void roleChanged() {
        if (pending == null || core.role() == Role.LEADER) {
            return;
        }
        switch (pending.phase) {
            case WAITING -> reportAndClear(AdminResult.Status.NOT_LEADER, "leadership was lost before the change started");
            case ADDING_NON_VOTERS, CATCHING_UP -> reportAndClear(AdminResult.Status.FAILED, "leadership was lost during"
                    + " catch-up; no voter changed, and new members may remain non-voters");
            case JOINT, FINAL -> reportAndClear(AdminResult.Status.UNKNOWN, "leadership was lost with the new"
                    + " configuration in the log; the next leader completes it if it was replicated");
        }
    }

    private String waitingFor() {
        if (!core.ownTermCommitted()) {
            return "no entry of this leader's term is committed yet";
        }
        if (core.transferActive()) {
            return "a leadership transfer is in progress";
        }
        return "the previous configuration change is not committed yet";
    }

    private String lagging() {
        List<String> behind = new ArrayList<>();
        for (String id : pending.newVoters) {
            if (!caughtUp(id)) {
                behind.add(id + " (its log at " + Math.max(0, core.match(id)) + ")");
            }
        }
        return "waiting for " + String.join(", ", behind) + " to come within " + cfg.catchUpMaxLag()
                + " entries of the leader's log (at " + core.log().lastIndex() + ")";
    }

    private boolean latestCommitted() {
        return core.log().latestConfigurationIndex() <= core.commitIndex();
    }

    private long append(Configuration c) {
        return core.appendConfiguration(c);
    }

    private AdminResult staleBase(long requestId, long expectedIndex) {
        return AdminResult.of(requestId, AdminResult.Status.CONFLICT, "the configuration is at index "
                + core.log().latestConfigurationIndex() + ", not " + expectedIndex + " as the request expected");
    }

    private void reportAndClear(AdminResult.Status status, String detail) {
        report(AdminResult.of(pending.requestId, status, detail));
        pending = null;
    }

    private void report(AdminResult r) {
        core.answer(r);
    }
}
