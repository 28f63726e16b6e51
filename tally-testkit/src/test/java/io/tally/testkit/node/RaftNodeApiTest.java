package io.tally.testkit.node;

import io.tally.raft.BootstrapException;
import io.tally.raft.LeadershipLostException;
import io.tally.raft.NodeClosedException;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.RaftTimeoutException;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.runtime.ThreadRuntime;
import io.tally.raft.storage.InMemoryLogStore;
import io.tally.raft.storage.InMemoryStableStore;
import io.tally.testkit.net.InMemoryNetwork;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.SimCluster;
import io.tally.testkit.sim.LatencyModel;
import io.tally.testkit.sim.NodeIncarnation;
import io.tally.testkit.sim.SimNetwork;
import io.tally.testkit.sim.SimRuntime;
import io.tally.testkit.sim.Simulation;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The public RaftNode API: results, typed errors and lifecycle. Deterministic (simulator) unless noted. */
class RaftNodeApiTest {

    private static Throwable failureOf(CompletableFuture<?> f) {
        assertTrue(f.isDone(), "future should be complete");
        try {
            f.get();
            return fail("expected the future to fail, it completed with " + f.join());
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void followerRefusesProposalsWithTheLeadersId() {
        try (SimCluster c = SimCluster.create(3, 1)) {
            int leader = c.checkOneLeader();
            int follower = (leader + 1) % 3;
            CompletableFuture<Long> f = c.node(follower).apply(Commands.of(1));
            c.sleep(10);
            NotLeaderException e = assertInstanceOf(NotLeaderException.class, failureOf(f));
            assertEquals(SimCluster.id(leader), e.leaderId().orElseThrow());
        }
    }

    @Test
    void barrierCompletesWithItsIndexAfterEarlierEntriesApplied() {
        try (SimCluster c = SimCluster.create(3, 2)) {
            int leader = c.checkOneLeader();
            CompletableFuture<Long> cmd = c.node(leader).apply(Commands.of(7));
            CompletableFuture<Long> barrier = c.node(leader).barrier();
            long index = c.await(barrier, 2_000, "barrier");
            assertTrue(cmd.isDone(), "the command before the barrier is applied first");
            assertEquals(index, c.node(leader).appliedIndex());
        }
    }

    @Test
    void proposalWithoutQuorumTimesOutAsOutcomeUnknown() {
        try (SimCluster c = SimCluster.create(3, 3)) {
            int leader = c.checkOneLeader();
            c.disconnect((leader + 1) % 3);
            c.disconnect((leader + 2) % 3);
            CompletableFuture<Long> f = c.node(leader).apply(Commands.of(9), Duration.ofMillis(200));
            c.sleep(300);
            Throwable t = failureOf(f);
            assertTrue(t instanceof RaftTimeoutException || t instanceof LeadershipLostException,
                    "outcome-unknown error expected, got " + t);
        }
    }

    @Test
    void configurationIsTrackedFromTheLogAndCommittedWithTheFirstLeadersNoop() {
        try (SimCluster c = SimCluster.create(3, 7)) {
            Configuration expected = Configuration.ofVoters("n0", "n1", "n2");
            for (int i = 0; i < 3; i++) {
                assertEquals(expected, c.node(i).configuration(), "the bootstrap entry is in every log");
            }
            int leader = c.checkOneLeader();
            c.one(Commands.of(1), 3, true);
            for (int i = 0; i < 3; i++) {
                assertEquals(expected, c.node(i).committedConfiguration(), "committed on " + i);
            }
            assertTrue(c.node(leader).commitIndex() >= 3);
        }
    }

    @Test
    void snapshotOnDemandCoversEverythingAppliedAndCompactsTheLog() throws Exception {
        RaftConfig onDemandOnly = io.tally.testkit.harness.Cluster.scenarioConfig(true, true)
                .withSnapshots(RaftConfig.SnapshotPolicy.defaults().withTriggers(0, 0, 0)); // no automatic triggers
        try (SimCluster c = SimCluster.create(3, 8, onDemandOnly, false)) {
            int leader = c.checkOneLeader();
            for (int k = 0; k < 20; k++) {
                c.one(Commands.of(k), 3, true);
            }
            long applied = c.node(leader).appliedIndex();
            assertEquals(1, c.disk(leader).logStore().firstIndex(), "nothing compacted before a snapshot");
            SnapshotMeta meta = c.await(c.node(leader).snapshot(), 2_000, "snapshot");
            assertEquals(applied, meta.lastIndex(), "covers everything applied when it was taken");
            assertEquals(Configuration.ofVoters("n0", "n1", "n2"), meta.configuration());
            assertTrue(meta.sizeBytes() > 0);
            c.sleep(50);
            assertEquals(meta.lastIndex() + 1, c.disk(leader).logStore().firstIndex(),
                    "the log store dropped the entries the snapshot covers (no trailing entries kept)");
            c.one(Commands.of(99), 3, true); // and the cluster goes on
            SnapshotMeta again = c.await(c.node(leader).snapshot(), 2_000, "second snapshot");
            assertTrue(again.lastIndex() > meta.lastIndex());
        }
    }

    @Test
    void snapshotIsTakenOnceEnoughLogBytesWereApplied() throws Exception {
        RaftConfig byBytes = io.tally.testkit.harness.Cluster.scenarioConfig(true, true)
                .withSnapshots(RaftConfig.SnapshotPolicy.defaults().withTriggers(0, 4_000, 0)); // bytes only
        try (SimCluster c = SimCluster.create(3, 9, byBytes, false)) {
            int leader = c.checkOneLeader();
            byte[] payload = new byte[500];
            for (int k = 0; k < 5; k++) {
                c.one(payload.clone(), 3, true); // ~2.6 KB of entries: below the threshold
            }
            assertTrue(c.disk(leader).snapshotStore().latest().isEmpty(), "no snapshot below the byte threshold");
            for (int k = 0; k < 5; k++) {
                byte[] p = payload.clone();
                p[0] = (byte) (k + 1);
                c.one(p, 3, true);
            }
            c.sleep(50);
            SnapshotMeta meta = c.disk(leader).snapshotStore().latest().orElseThrow(() -> new AssertionError("no snapshot"));
            assertTrue(meta.lastIndex() > 5, "taken after the threshold was crossed: " + meta);
        }
    }

    @Test
    void secondBootstrapIsRefused() {
        try (SimCluster c = SimCluster.create(3, 4)) {
            CompletableFuture<Void> again = c.node(0).bootstrap(Configuration.ofVoters("n0", "n1", "n2"));
            c.sleep(10);
            assertInstanceOf(BootstrapException.class, failureOf(again));
        }
    }

    /** A state machine that fails on the command 13. */
    private static final class FailingStateMachine implements StateMachine<Long> {
        @Override
        public List<Long> apply(List<Command> commands) {
            List<Long> out = new ArrayList<>();
            for (Command c : commands) {
                if (Commands.value(c.data()) == 13) {
                    throw new IllegalStateException("boom at " + c.index());
                }
                out.add(c.index());
            }
            return out;
        }

        @Override
        public Snapshot snapshot() {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public void restore(InputStream in) {
            throw new UnsupportedOperationException("not used");
        }
    }

    @Test
    void stateMachineFailureStopsTheNodeAndFailsEveryWaitingCaller() {
        Simulation sim = new Simulation(5);
        SimNetwork net = new SimNetwork(sim);
        NodeIncarnation inc = NodeIncarnation.first("solo");
        RaftNode<Long> node = RaftNode.<Long>builder().id("solo").config(RaftConfig.defaults())
                .stateMachine(new FailingStateMachine()).logStore(new InMemoryLogStore())
                .stableStore(new InMemoryStableStore()).transport(net.transport(inc))
                .runtime(new SimRuntime(sim, inc)).build();
        node.start();
        node.bootstrap(Configuration.ofVoters("solo"));
        assertTrue(sim.runUntil(() -> node.state() == RaftState.LEADER && node.commitIndex() >= 2, 5_000));
        CompletableFuture<Long> ok = node.apply(Commands.of(1));
        assertTrue(sim.runUntil(ok::isDone, 1_000));
        CompletableFuture<Long> boom = node.apply(Commands.of(13));
        CompletableFuture<Long> after = node.apply(Commands.of(2));
        sim.runFor(100);
        assertEquals(2L + 1, ok.join(), "the command before the failure is applied (index 3)");
        assertInstanceOf(NodeClosedException.class, failureOf(boom));
        assertInstanceOf(NodeClosedException.class, failureOf(after));
        assertEquals(RaftState.SHUTDOWN, node.state());
        assertTrue(node.fatalError().isPresent());
        CompletableFuture<Long> late = node.apply(Commands.of(3));
        assertInstanceOf(NodeClosedException.class, failureOf(late));
    }

    @Test
    void closeFailsPendingProposalsAndLaterCalls() {
        try (SimCluster c = SimCluster.create(3, 6)) {
            int leader = c.checkOneLeader();
            c.disconnect((leader + 1) % 3);
            c.disconnect((leader + 2) % 3);
            CompletableFuture<Long> stuck = c.node(leader).apply(Commands.of(1));
            c.sleep(5);
            c.node(leader).close();
            c.sleep(5);
            assertInstanceOf(NodeClosedException.class, failureOf(stuck));
            assertInstanceOf(NodeClosedException.class, failureOf(c.node(leader).apply(Commands.of(2))));
            assertEquals(RaftState.SHUTDOWN, c.node(leader).state());
        }
    }

    /**
     * Issue 11: a read the leader has confirmed waits in the applier until the leader has applied up to its index.
     * Here the leader's own disk is slow (40 ms a write), so two faster followers commit an entry before the leader
     * has it durable, and a read confirmed at that commit index waits for an entry the leader cannot apply yet. Closing
     * the leader then must still complete the read — before, it stayed parked in the applier forever, and so did a
     * read with a timeout, whose timer the closed applier dropped.
     */
    @Test
    void aConfirmedReadWaitingForItsEntryCompletesWhenTheNodeCloses() {
        LatencyModel slowDisk = (role, r) -> role == io.tally.raft.runtime.ExecutorRole.LOG_WRITER ? 40_000_000L : 0L;
        LatencyModel fastDisk = (role, r) -> role == io.tally.raft.runtime.ExecutorRole.LOG_WRITER ? 200_000L : 0L;
        try (SimCluster c = SimCluster.create(3, 11, Cluster.scenarioConfig(true, true), i -> i == 0 ? slowDisk : fastDisk)) {
            c.clock().await(() -> c.node(0).state() == RaftState.LEADER || c.currentLeader() >= 0, 10_000);
            if (c.currentLeader() != 0) {
                c.await(c.node(c.currentLeader()).transferLeadership("n0"), 5_000, "transfer to n0");
            }
            c.one(Commands.of(1), 3, true);
            RaftNode<Long> leader = c.node(0);
            CompletableFuture<Long> write = leader.apply(Commands.of(2));
            c.clock().await(() -> leader.commitIndex() > leader.appliedIndex(), 30);
            assertTrue(leader.commitIndex() > leader.appliedIndex(), "committed by the followers, not yet durable here");
            CompletableFuture<Long> read = leader.readIndex(null);
            CompletableFuture<Long> timed = leader.readIndex(Duration.ofSeconds(5));
            c.sleep(5); // a heartbeat round: both reads confirmed, waiting for the applier
            assertTrue(!read.isDone() && !timed.isDone(), "confirmed but not yet applied");
            leader.close();
            c.sleep(10_000);
            assertInstanceOf(NodeClosedException.class, failureOf(read));
            assertInstanceOf(NodeClosedException.class, failureOf(timed));
            assertTrue(write.isDone());
        }
    }

    /** Real threads: after close() every thread the node made has ended (polling with a deadline). */
    @Test
    void closeReleasesEveryThread() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        List<RaftNode<Long>> nodes = new ArrayList<>();
        for (String id : List.of("t0", "t1", "t2")) {
            RaftNode<Long> n = RaftNode.<Long>builder().id(id).config(RaftConfig.defaults())
                    .stateMachine(new FailingStateMachine()).logStore(new InMemoryLogStore())
                    .stableStore(new InMemoryStableStore()).transport(net.transport(id)).build();
            n.start();
            n.bootstrap(Configuration.ofVoters("t0", "t1", "t2")).get(5, TimeUnit.SECONDS);
            nodes.add(n);
        }
        assertTrue(countThreads("tally-t") >= 12, "each node runs a loop, a writer, an applier and a timer");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (nodes.stream().noneMatch(n -> n.state() == RaftState.LEADER) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (RaftNode<Long> n : nodes) {
            n.close();
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (countThreads("tally-t") > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        assertEquals(0, countThreads("tally-t"), "threads left: " + threadNames("tally-t"));
        new ThreadRuntime("unused").close();
    }

    private static long countThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    private static List<String> threadNames(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith(prefix)).toList();
    }
}
