package io.tally.testkit.harness;

import io.tally.raft.LeaderChange;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.Safeguard;
import io.tally.raft.model.Configuration;
import io.tally.raft.node.RaftNode;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.storage.LogStore;
import io.tally.raft.storage.SnapshotStore;
import io.tally.raft.storage.StableStore;
import io.tally.raft.transport.Transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The nodes of a {@link RealTimeCluster}: each a {@link RaftNode} on real threads with a reporting
 * {@link RecordingStateMachine} and in-memory storage, started, crashed and restarted as the scenarios ask, with
 * Raft's invariants checked at leader changes and at the end. (Simulated clusters get all of this from
 * {@link io.tally.testkit.api.SimulatedCluster}.)
 */
final class ThreadedNodes {

    /** What the real-time cluster supplies for each node life. */
    interface Wiring {
        Transport newTransport(int i);

        RaftRuntime newRuntime(int i);

        /** Ends node {@code i}'s current life so that it can never send again. */
        void kill(int i, RaftNode<Long> node);
    }

    private final int n;
    private final RaftConfig config;
    private final Wiring wiring;
    private final InvariantChecker invariants = new InvariantChecker();
    private final ApplyRecorder applied;
    private final List<RaftNode<Long>> nodes = new ArrayList<>();
    private final List<NodeDisk> disks = new ArrayList<>();
    /** The log store each running node uses (for the invariant checks); null while down. */
    private final List<LogStore> liveLogStores = new ArrayList<>();
    private final Configuration bootstrap;
    private final EnumSet<Safeguard> disabledSafeguards = EnumSet.noneOf(Safeguard.class);

    ThreadedNodes(int n, RaftConfig config, IntFunction<NodeDisk> diskFactory, Wiring wiring) {
        this.n = n;
        this.config = config;
        this.wiring = wiring;
        this.applied = new ApplyRecorder(n, invariants);
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = Cluster.id(i);
            nodes.add(null);
            disks.add(diskFactory.apply(i));
            liveLogStores.add(null);
        }
        this.bootstrap = Configuration.ofVoters(Arrays.copyOf(ids, n));
    }

    /** Starts every node and bootstraps them, waiting with {@code cluster}'s clock. */
    void startAll(Cluster cluster) {
        for (int i = 0; i < n; i++) {
            start(i);
            cluster.await(nodes.get(i).bootstrap(bootstrap), 5_000, "bootstrap of " + Cluster.id(i));
        }
    }

    RaftNode<Long> node(int i) {
        return nodes.get(i);
    }

    void crash(int i) {
        RaftNode<Long> old = nodes.get(i);
        if (old == null) {
            return;
        }
        wiring.kill(i, old);
        nodes.set(i, null);
        liveLogStores.set(i, null);
        disks.get(i).crash();
    }

    void start(int i) {
        applied.reset(i);
        LogStore log;
        StableStore stable;
        SnapshotStore snapshots;
        try {
            log = disks.get(i).logStore();
            stable = disks.get(i).stableStore();
            snapshots = disks.get(i).snapshotStore();
        } catch (IOException e) {
            throw new UncheckedIOException("node " + Cluster.id(i) + " cannot open its storage: " + e.getMessage(), e);
        }
        RaftNode.Builder<Long> builder = RaftNode.<Long>builder()
                .id(Cluster.id(i))
                .config(config)
                .stateMachine(RecordingStateMachine.reporting(i, applied))
                .logStore(log)
                .stableStore(stable)
                .snapshotStore(snapshots)
                .transport(wiring.newTransport(i))
                .runtime(wiring.newRuntime(i));
        disabledSafeguards.forEach(builder::withoutSafeguard);
        RaftNode<Long> node = builder.build();
        node.addLeaderListener(change -> onLeaderChange(change, log));
        nodes.set(i, node);
        liveLogStores.set(i, log);
        try {
            node.start();
        } catch (RuntimeException e) {
            nodes.set(i, null);
            liveLogStores.set(i, null);
            throw e;
        }
    }

    void withoutSafeguard(Safeguard safeguard) {
        disabledSafeguards.add(safeguard);
    }

    NodeDisk disk(int i) {
        return disks.get(i);
    }

    InvariantChecker invariants() {
        return invariants;
    }

    ApplyRecorder applied() {
        return applied;
    }

    private void onLeaderChange(LeaderChange c, LogStore log) {
        if (c.state() == RaftState.LEADER) {
            invariants.leaderElected(c.nodeId(), c.term());
            invariants.checkLeaderCompleteness(c.nodeId(), c.term(), log, applied.allApplied());
        }
    }

    /** Checks log matching and every recorded violation, then stops every node. */
    void close() {
        try {
            Map<String, LogStore> logs = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                if (nodes.get(i) != null && nodes.get(i).state() != RaftState.SHUTDOWN) {
                    logs.put(Cluster.id(i), liveLogStores.get(i));
                }
            }
            invariants.checkLogMatching(logs);
            invariants.assertNone();
        } finally {
            for (int i = 0; i < n; i++) {
                RaftNode<Long> node = nodes.get(i);
                if (node != null) {
                    wiring.kill(i, node);
                    nodes.set(i, null);
                }
            }
        }
    }
}
