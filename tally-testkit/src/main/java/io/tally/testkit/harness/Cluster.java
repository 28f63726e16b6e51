package io.tally.testkit.harness;

import io.tally.raft.Membership;
import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.model.Member;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.random.RandomGenerator;

/**
 * A cluster of real {@link RaftNode}s under test, with the course's harness helpers ({@link #checkOneLeader},
 * {@link #one}, {@link #nCommitted}, …) and Raft's invariants checked throughout. Node {@code i} has id
 * {@code "n" + i}. Subclasses supply the nodes, time and network: {@link SimCluster} (deterministic, virtual
 * time: the testkit's published {@link io.tally.testkit.api.SimulatedCluster} underneath) and
 * {@link RealTimeCluster} (threads and the in-memory network, {@link ThreadedNodes}).
 */
public abstract class Cluster implements AutoCloseable {

    /**
     * The scenarios run the production defaults: 10 ms ticks, heartbeats every 100 ms (the course allows at
     * most 10 per second), election timeouts drawn from [500, 1000) ms (the course's RaftElectionTimeout is
     * 1 s). Shorter timeouts livelock elections under the course's long reordering, where 2/3 of vote replies
     * arrive 200–2200 ms late.
     */
    public static RaftConfig scenarioConfig(boolean preVote, boolean checkQuorum) {
        RaftConfig d = RaftConfig.defaults();
        return d.withPreVote(preVote).withCheckQuorum(checkQuorum);
    }

    /**
     * The snapshot scenarios' settings ({@link #scenarioConfig} with PreVote and CheckQuorum): a snapshot
     * every 10 applied entries, as the course's SnapShotInterval, no entries kept below it, and 1 KiB
     * InstallSnapshot chunks, 4 in flight, so that installing a snapshot streams several chunks.
     */
    public static RaftConfig snapshotConfig() {
        return scenarioConfig(true, true).withSnapshots(new RaftConfig.SnapshotPolicy(10, 0, 0, 1024, 4));
    }

    protected final int n;
    protected final RaftConfig config;

    protected Cluster(int n, RaftConfig config) {
        if (n < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node");
        }
        this.n = n;
        this.config = config;
    }

    public static String id(int i) {
        return "n" + i;
    }

    public int size() {
        return n;
    }

    /** The minimum election timeout of the nodes, in milliseconds. */
    public long electionTimeoutMillis() {
        return config.electionTimeout().toMillis();
    }

    // ---------------------------------------------------------------- what subclasses provide

    public abstract HarnessClock clock();

    /** The scenario's random source (seeded in the simulator). */
    public abstract RandomGenerator random();

    public abstract void connect(int i);

    public abstract void disconnect(int i);

    public abstract boolean isConnected(int i);

    /** Requests received by node {@code i} (responses are not counted, as in the course). */
    public abstract long rpcCount(int i);

    public abstract long rpcTotal();

    public abstract long bytesTotal();

    // ---------------------------------------------------------------- node lifecycle

    /** Node {@code i}'s current life, or null while it is down. */
    public abstract RaftNode<Long> node(int i);

    /**
     * The course's crash: disconnect the node, keep a copy of what it had made durable, discard the instance
     * (it cannot send any more). The node stays down until {@link #start(int)}.
     */
    public abstract void crash(int i);

    /** Starts node {@code i} (crashing it first if it runs) from its persisted state; connectivity is unchanged. */
    public abstract void start(int i);

    public abstract boolean isUp(int i);

    /** A control run: nodes started from now on lack this safeguard ({@link io.tally.raft.Safeguard}). */
    public abstract void withoutSafeguard(io.tally.raft.Safeguard safeguard);

    /** Node {@code i}'s storage, for scenarios that inject disk faults. */
    public abstract NodeDisk disk(int i);

    /** Raft's invariants, checked throughout the run. */
    public abstract InvariantChecker invariants();

    /** What every node applied (state machine safety). */
    public abstract ApplyRecorder applied();

    /** Checks the invariants once more and stops every node. */
    @Override
    public abstract void close();

    /**
     * The course's {@code persister.RaftStateSize()} for node {@code i}, running or down: bytes of its durable
     * Raft state, the synced log plus the hard state ({@link NodeDisk#persistedRaftStateBytes()}; snapshots
     * are not counted).
     *
     * @throws UnsupportedOperationException on disks that cannot tell (only {@link InMemoryDisk} can)
     */
    public long persistedBytes(int i) {
        return disk(i).persistedRaftStateBytes();
    }

    // ---------------------------------------------------------------- the course's helpers

    public void sleep(long millis) {
        clock().sleep(millis);
    }

    /** Fails the scenario. */
    public static AssertionError fatal(String message) {
        throw new AssertionError(message);
    }

    /**
     * Up to 10 rounds of 450–550 ms until exactly one connected node leads; never two leaders in one term.
     * Returns the leader's index.
     */
    public int checkOneLeader() {
        for (int iter = 0; iter < 10; iter++) {
            sleep(450 + random().nextInt(100));
            Map<Long, List<Integer>> leaders = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                RaftNode<Long> node = node(i);
                if (node != null && isConnected(i) && node.state() == RaftState.LEADER) {
                    leaders.computeIfAbsent(node.term(), t -> new ArrayList<>()).add(i);
                }
            }
            long lastTermWithLeader = -1;
            for (Map.Entry<Long, List<Integer>> e : leaders.entrySet()) {
                if (e.getValue().size() > 1) {
                    throw fatal("term " + e.getKey() + " has " + e.getValue().size() + " (>1) leaders: " + e.getValue());
                }
                lastTermWithLeader = e.getKey();
            }
            if (!leaders.isEmpty()) {
                return leaders.get(lastTermWithLeader).get(0);
            }
        }
        throw fatal("expected one leader, got none");
    }

    /** All connected nodes agree on the term; returns it. */
    public long checkTerms() {
        long term = -1;
        for (int i = 0; i < n; i++) {
            RaftNode<Long> node = node(i);
            if (node != null && isConnected(i)) {
                long t = node.term();
                if (term == -1) {
                    term = t;
                } else if (t != term) {
                    throw fatal("servers disagree on term: " + term + " vs " + t);
                }
            }
        }
        return term;
    }

    /** No connected node thinks it is the leader. */
    public void checkNoLeader() {
        for (int i = 0; i < n; i++) {
            RaftNode<Long> node = node(i);
            if (node != null && isConnected(i) && node.state() == RaftState.LEADER) {
                throw fatal("expected no leader among connected servers, but " + id(i) + " claims to be leader");
            }
        }
    }

    /** How many nodes applied command index {@code commandIndex}, and what. */
    public ApplyRecorder.CommitCount nCommitted(long commandIndex) {
        return applied().nCommitted(commandIndex);
    }

    /**
     * The course's Start(): proposes on node {@code i} if it believes it leads. Returns null when it does
     * not; otherwise the future of the command index it will be applied at.
     */
    public CompletableFuture<Long> startCommand(int i, byte[] command) {
        RaftNode<Long> node = node(i);
        if (node == null || node.state() != RaftState.LEADER) {
            return null;
        }
        return node.apply(command);
    }

    /**
     * The course's one(): for up to 10 s, offer the command to each connected node in turn; once one
     * accepts, wait up to 2 s for {@code expected} nodes to apply it. Returns its command index.
     */
    public long one(byte[] command, int expected, boolean retry) {
        return await(oneAsync(command, expected, retry), 15_000, "one(" + Commands.describe(command) + ")");
    }

    /** {@link #one} without blocking the scenario: several can run at once. */
    public CompletableFuture<Long> oneAsync(byte[] command, int expected, boolean retry) {
        OneRequest r = new OneRequest(command, expected, retry);
        r.offer();
        return r.result;
    }

    /**
     * The course's wait(): waits for at least {@code count} nodes to apply command index {@code commandIndex};
     * gives up (returning null) if a node's term moves past {@code startTerm}.
     */
    public byte[] waitCommitted(long commandIndex, int count, long startTerm) {
        long to = 10;
        for (int iters = 0; iters < 30; iters++) {
            if (nCommitted(commandIndex).count() >= count) {
                break;
            }
            sleep(to);
            if (to < 1000) {
                to *= 2;
            }
            if (startTerm > -1) {
                for (int i = 0; i < n; i++) {
                    RaftNode<Long> node = node(i);
                    if (node != null && node.term() > startTerm) {
                        return null; // someone moved on; can no longer guarantee that we'll win
                    }
                }
            }
        }
        ApplyRecorder.CommitCount c = nCommitted(commandIndex);
        if (c.count() < count) {
            throw fatal("only " + c.count() + " decided for index " + commandIndex + "; wanted " + count);
        }
        return c.command();
    }

    /** Waits for a future in the cluster's time; fails the scenario on timeout or failure. */
    public <T> T await(CompletableFuture<T> f, long maxMillis, String what) {
        if (!clock().await(f::isDone, maxMillis)) {
            throw fatal(what + " did not complete within " + maxMillis + " ms");
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fatal(what + " interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError a) {
                throw a;
            }
            AssertionError err = new AssertionError(what + " failed: " + e.getCause());
            err.initCause(e.getCause());
            throw err;
        }
    }

    // ---------------------------------------------------------------- membership

    /** The index of a running, connected node that believes it leads the highest term, or -1. */
    public int currentLeader() {
        int best = -1;
        for (int i = 0; i < n; i++) {
            RaftNode<Long> node = node(i);
            if (node != null && isConnected(i) && node.state() == RaftState.LEADER
                    && (best < 0 || node.term() > node(best).term())) {
                best = i;
            }
        }
        return best;
    }

    /** Drives the cluster to exactly {@code members}, asking whichever node leads ({@link MembershipDriver}). */
    public Membership changeMembership(List<Member> members, long maxMillis) {
        return MembershipDriver.setMembers(clock(), () -> {
            int leader = currentLeader();
            return leader < 0 ? null : node(leader);
        }, members, maxMillis, () -> "nodes: " + describeNodes());
    }

    /** Voting members with ids {@code n<i>} for the given indexes. */
    public static List<Member> voters(int... indexes) {
        return MembershipDriver.voters(indexes);
    }

    private String describeNodes() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            RaftNode<Long> node = node(i);
            sb.append(i == 0 ? "" : "; ").append(id(i)).append(": ").append(node == null ? "down" : node.status());
        }
        return sb.toString();
    }

    /** The state of one one() call, advanced by clock callbacks so that several can run concurrently. */
    private final class OneRequest {

        final byte[] command;
        final int expected;
        final boolean retry;
        final long t0 = clock().nowMillis();
        final CompletableFuture<Long> result = new CompletableFuture<>();
        int starts;

        OneRequest(byte[] command, int expected, boolean retry) {
            this.command = command;
            this.expected = expected;
            this.retry = retry;
        }

        void offer() {
            if (result.isDone()) {
                return;
            }
            if (clock().nowMillis() - t0 >= 10_000) {
                fail("one(" + Commands.describe(command) + ") failed to reach agreement");
                return;
            }
            CompletableFuture<Long> proposal = null;
            for (int si = 0; si < n && proposal == null; si++) {
                starts = (starts + 1) % n;
                if (isConnected(starts)) {
                    proposal = startCommand(starts, command);
                }
            }
            if (proposal == null) {
                clock().after(50, this::offer);
                return;
            }
            poll(proposal, clock().nowMillis());
        }

        void poll(CompletableFuture<Long> proposal, long t1) {
            if (result.isDone()) {
                return;
            }
            if (proposal.isDone() && !proposal.isCompletedExceptionally()) {
                long index = proposal.join();
                ApplyRecorder.CommitCount c = nCommitted(index);
                if (c.count() > 0 && c.count() >= expected && Arrays.equals(c.command(), command)) {
                    result.complete(index);
                    return;
                }
            }
            if (proposal.isCompletedExceptionally() && proposal.handle((v, e) -> e).join() instanceof NotLeaderException) {
                // Not accepted after all (its leadership ended before the proposal reached its loop): like the
                // course's Start() returning isLeader = false, just offer again.
                clock().after(10, this::offer);
                return;
            }
            boolean failedEarly = proposal.isCompletedExceptionally();
            if (failedEarly || clock().nowMillis() - t1 >= 2_000) {
                if (!retry) {
                    fail("one(" + Commands.describe(command) + ") failed to reach agreement"
                            + (failedEarly ? ": " + proposal.handle((v, e) -> e).join() : ""));
                    return;
                }
                clock().after(failedEarly ? 50 : 0, this::offer);
                return;
            }
            clock().after(20, () -> poll(proposal, t1));
        }

        private void fail(String message) {
            result.completeExceptionally(new AssertionError(message));
        }
    }
}
