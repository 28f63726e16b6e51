package io.tally.raft.node;

import io.tally.raft.ClusterChangeException;
import io.tally.raft.LeaderChange;
import io.tally.raft.LeadershipLostException;
import io.tally.raft.Membership;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftConfig;
import io.tally.raft.core.AdminResult;
import io.tally.raft.core.Output;
import io.tally.raft.core.RaftCore;
import io.tally.raft.core.ReadState;
import io.tally.raft.core.Role;
import io.tally.raft.core.RoleChange;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Carries out the core's {@link Output} on the loop thread, in the order its persistence contract demands: messages
 * that depend on nothing undurable leave at once; persistence (and the messages that must wait for it) goes to the
 * {@link LogWriter}; a snapshot received from the leader is restored before the entries that follow it are applied;
 * committed entries go to the {@link Applier} with the callers' proposals among them; reads wait there for their
 * index; answers to membership changes and transfers, and leader changes, reach callers and listeners through the
 * apply thread, in order with applies.
 *
 * @param <R> the state machine's result type
 */
final class OutputRouter<R> {

    /** One line per leader change and per configuration change, with term and index (docs/operations.md, "Logs"). */
    private static final Logger LOG = LoggerFactory.getLogger(OutputRouter.class);

    private final String id;
    private final RaftConfig config;
    private final Transport transport;
    private final LogWriter writer;
    private final Applier<R> applier;
    private final SnapshotSender snapshotSender;
    private final LoopRequests<R> requests;

    OutputRouter(String id, RaftConfig config, Transport transport, LogWriter writer, Applier<R> applier,
                 SnapshotSender snapshotSender, LoopRequests<R> requests) {
        this.id = id;
        this.config = config;
        this.transport = transport;
        this.writer = writer;
        this.applier = applier;
        this.snapshotSender = snapshotSender;
        this.requests = requests;
    }

    /** Carries out {@code o}, which {@code core} just produced. */
    void route(Output o, RaftCore core) {
        for (RaftMessage m : o.messages()) {
            transport.send(m);
        }
        if (o.needsWriter()) {
            writer.submit(o);
        }
        if (o.restore() != null) {
            applier.restore(o.restore()); // before the entries that follow the snapshot
        }
        for (String peer : o.snapshotSends()) {
            // A member being caught up gets its snapshot at the pace of its log entries (FlowControl.learnerBytesPerSecond).
            long paced = core.configuration().isVoter(peer) ? 0 : config.flowControl().learnerBytesPerSecond();
            snapshotSender.start(peer, core.term(), paced);
        }
        for (CompletableFuture<Void> f : requests.takeAwaitingPersist()) {
            writer.afterPendingWrites(() -> applier.completeLater(() -> f.complete(null)));
        }
        if (!o.committed().isEmpty()) {
            List<PendingOp<R>> superseded = new ArrayList<>();
            List<PendingOp<R>> ops = requests.takeCommitted(o.committed(), superseded);
            if (!superseded.isEmpty()) {
                applier.fail(superseded, new LeadershipLostException("node " + id
                        + ": the proposal was overwritten by a later leader"));
            }
            applier.submit(o.committed(), ops);
        }
        for (ReadState rs : o.reads()) {
            answerRead(rs, core);
        }
        for (AdminResult r : o.admin()) {
            answerAdmin(r, core);
        }
        if (!o.roleChanges().isEmpty()) {
            logRoleChanges(o.roleChanges(), core);
            roleChanged(o.roleChanges());
        }
        if (o.configurationChanged()) {
            LOG.atInfo().addKeyValue("node", id).addKeyValue("term", core.term())
                    .addKeyValue("index", core.configurationIndex()).addKeyValue("commitIndex", core.commitIndex())
                    .log("node {}: configuration {} in force from index {} (term {}, commit index {})", id,
                            core.configuration(), core.configurationIndex(), core.term(), core.commitIndex());
            transport.configurationChanged(core.configuration());
        }
    }

    private void answerRead(ReadState rs, RaftCore core) {
        CompletableFuture<Long> f = requests.takeRead(rs.requestId());
        if (f == null) {
            return;
        }
        if (rs.ok()) {
            applier.whenApplied(rs.index(), () -> f.complete(rs.index()));
        } else {
            NotLeaderException e = new NotLeaderException(id, core.leaderId());
            applier.completeLater(() -> f.completeExceptionally(e));
        }
    }

    /** Completes a membership change or transfer on the apply thread (after the entries applied before it). */
    @SuppressWarnings("unchecked")
    private void answerAdmin(AdminResult r, RaftCore core) {
        CompletableFuture<Object> f = (CompletableFuture<Object>) requests.takeAdmin(r.requestId());
        if (f == null) {
            return;
        }
        Object value = null;
        Throwable error = null;
        switch (r.status()) {
            case OK -> value = r.configuration() != null ? new Membership(r.index(), r.configuration()) : r.detail();
            case NOT_LEADER -> error = new NotLeaderException(id, core.leaderId());
            case INVALID -> error = new ClusterChangeException(ClusterChangeException.Kind.INVALID, r.detail());
            case CONFLICT -> error = new ClusterChangeException(ClusterChangeException.Kind.CONFLICT, r.detail());
            case FAILED -> error = new ClusterChangeException(ClusterChangeException.Kind.FAILED, r.detail());
            case UNKNOWN -> error = new ClusterChangeException(ClusterChangeException.Kind.UNKNOWN, r.detail());
        }
        Object v = value;
        Throwable err = error;
        applier.completeLater(() -> {
            if (err != null) {
                f.completeExceptionally(err);
            } else {
                f.complete(v);
            }
        });
    }

    private void logRoleChanges(List<RoleChange> changes, RaftCore core) {
        for (RoleChange c : changes) {
            String what;
            if (c.role() == Role.LEADER) {
                what = "this node leads";
            } else if (c.leaderId() != null) {
                what = "the leader is " + c.leaderId();
            } else {
                what = "no leader known (" + c.role().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")";
            }
            LOG.atInfo().addKeyValue("node", id).addKeyValue("term", c.term()).addKeyValue("leader", c.leaderId())
                    .addKeyValue("role", c.role().name()).addKeyValue("index", core.lastIndex())
                    .addKeyValue("commitIndex", core.commitIndex())
                    .log("node {}: term {}: {} (last log index {}, commit index {})", id, c.term(), what,
                            core.lastIndex(), core.commitIndex());
        }
    }

    private void roleChanged(List<RoleChange> changes) {
        RoleChange last = changes.get(changes.size() - 1);
        if (last.role() != Role.LEADER) {
            snapshotSender.cancelAll();
        }
        if (last.role() != Role.LEADER && requests.hasProposals()) {
            // hashicorp/raft's ErrLeadershipLost: the entries may still commit under a later leader.
            applier.fail(requests.takeAllProposals(), new LeadershipLostException("node " + id + " lost leadership (term "
                    + last.term() + "); the outcome of the request is unknown"));
        }
        List<LeaderChange> events = new ArrayList<>(changes.size());
        for (RoleChange c : changes) {
            events.add(new LeaderChange(id, c.term(), c.leaderId(), NodeStatus.publicState(c.role())));
        }
        applier.notifyListeners(events);
    }
}
