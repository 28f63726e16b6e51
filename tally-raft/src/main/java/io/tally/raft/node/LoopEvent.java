package io.tally.raft.node;

import io.tally.raft.Membership;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.storage.SnapshotMeta;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Everything that reaches the Raft loop ({@link RaftLoop}), one type per kind. An event knows how to be handled
 * (it calls the loop's method for it) and how to be abandoned at shutdown: a caller's request adds its future to
 * {@link Abandoned}, an internal event adds nothing.
 */
sealed interface LoopEvent {

    /** Carries the event out on the loop thread. */
    void handle(RaftLoop<?> loop);

    /** The node is closing and the event will not be handled: leave what it owes its caller in {@code abandoned}. */
    default void abandon(Abandoned abandoned) {
    }

    /** One tick of logical time (the runtime's tick timer). */
    enum Tick implements LoopEvent {
        INSTANCE;

        @Override
        public void handle(RaftLoop<?> loop) {
            loop.onTick();
        }
    }

    /** A message from a peer. */
    record Received(RaftMessage message) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.onMessage(message);
        }
    }

    /** The log writer made entries up to (index, term) durable. */
    record Persisted(long index, long term) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.onPersisted(index, term);
        }
    }

    /** A caller's command or barrier to propose. */
    record Propose(PendingOp<?> op) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.propose(op);
        }

        @Override
        public void abandon(Abandoned abandoned) {
            abandoned.op(op);
        }
    }

    /** A linearizable read: ReadIndex, or under the leader lease when {@code lease}. */
    record Read(boolean lease, CompletableFuture<Long> future) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.read(lease, future);
        }

        @Override
        public void abandon(Abandoned abandoned) {
            abandoned.future(future);
        }
    }

    /** A monitoring query: each follower's match index. */
    record ProgressQuery(CompletableFuture<Map<String, Long>> future) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.queryProgress(future);
        }

        @Override
        public void abandon(Abandoned abandoned) {
            abandoned.future(future);
        }
    }

    /** A membership change. */
    record Change(ConfigChange change, long expectedIndex, java.time.Duration timeout, CompletableFuture<Membership> future)
            implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.changeMembership(this);
        }

        @Override
        public void abandon(Abandoned abandoned) {
            abandoned.future(future);
        }
    }

    /** A leadership transfer to {@code target}, or to the most up-to-date voter when null. */
    record Transfer(String target, CompletableFuture<String> future) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.transferLeadership(target, future);
        }

        @Override
        public void abandon(Abandoned abandoned) {
            abandoned.future(future);
        }
    }

    /** Bootstrapping a brand-new cluster with this configuration. */
    record Bootstrap(Configuration configuration, CompletableFuture<Void> future) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.bootstrap(configuration, future);
        }

        @Override
        public void abandon(Abandoned abandoned) {
            abandoned.future(future);
        }
    }

    /** The snapshot taker made a snapshot durable: the log can be compacted behind it. */
    record SnapshotTaken(SnapshotMeta meta) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.snapshotTaken(meta);
        }
    }

    /** The snapshot receiver holds a complete, durable snapshot sent by a leader. */
    record SnapshotReceived(SnapshotReceiver.Received received) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.snapshotReceived(received);
        }
    }

    /** The snapshot sender finished streaming to {@code peer}, successfully or not. */
    record SnapshotSent(String peer, long lastIndex, boolean ok) implements LoopEvent {
        @Override
        public void handle(RaftLoop<?> loop) {
            loop.snapshotSent(peer, lastIndex, ok);
        }
    }
}
