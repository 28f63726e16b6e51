package io.tally.testkit.kv;

import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.kv.KvStateMachine;
import io.tally.kv.SessionRule;
import io.tally.raft.Membership;
import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.Safeguard;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.node.RaftNode;
import io.tally.testkit.api.NodeLife;
import io.tally.testkit.api.SimulatedCluster;
import io.tally.testkit.sim.ClockFaults;
import io.tally.testkit.sim.ClockModel;
import io.tally.testkit.sim.Simulation;
import io.tally.testkit.sim.TimerModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The key/value store on simulated nodes: a thin layer over the testkit's {@link SimulatedCluster}, whose nodes run a
 * {@link KvStateMachine} (observed by the cluster's {@link KvTruth}) and, beside each node life, a {@link KvService}
 * (a {@link io.tally.testkit.api.NodeService}). The cluster underneath runs the nodes in virtual time over the
 * simulated network, on crash-consistent in-memory disks, and checks Raft's invariants throughout. Clients
 * ({@link SimKvClient}) talk to the nodes' {@link KvService}s directly, as the course's clerks do. Each node life's
 * monotonic clock is virtual time from an origin of its own (as {@code System.nanoTime}'s is per process), and
 * leaders stamp entries from it, so session expiry is deterministic too.
 *
 * <p>A growable cluster ({@link #createGrowable}) has spare node slots: every slot runs a node, but only the
 * first {@code initial} are bootstrapped; the others start empty and wait to be added as members
 * ({@link #requestMembership}, {@link #changeMembership}).
 */
public final class KvSimCluster implements AutoCloseable {

    /** Sessions of the simulated clusters expire after 10 minutes idle unless a scenario says otherwise. */
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofMinutes(10);

    private final SimulatedCluster<KvTruth.ObservedStore, KvResult> c;
    private final Setup setup;
    private final KvTruth truth;
    /** Per node: its service and its clock in its current (or last) life; the service is null while it is down. */
    private final KvService[] services;
    private final NodeClock[] clocks;
    private final NodeLife<KvTruth.ObservedStore, KvResult>[] lives;
    /** Per node: how many lives its state machine factory has begun (the life number of the newest). */
    private final int[] lifeNumbers;
    private boolean unreliable;

    /**
     * Faults and switches a cluster's nodes get at every start: clock and timer faults ({@link ClockFaults}, and
     * per-node timer models that override them), safeguards switched off for a control run, and the state
     * machines' session TTL and rule.
     */
    public static final class Setup {
        private ClockFaults clocks = ClockFaults.NONE;
        private final Map<Integer, TimerModel> timers = new HashMap<>();
        private final EnumSet<Safeguard> disabled = EnumSet.noneOf(Safeguard.class);
        private Duration sessionTtl = DEFAULT_SESSION_TTL;
        private SessionRule sessionRule = SessionRule.REGISTERED;
        private long historyRevisions = KvStateMachine.DEFAULT_HISTORY_REVISIONS;
        private double serviceClockSkew;
        private long serviceClockJumpAtMillis = -1;
        private long serviceClockJumpMillis;

        /** Clock drift and timer lateness every node gets at each start ({@link SimulatedCluster.Builder#clockFaults}). */
        public Setup clocks(ClockFaults faults) {
            this.clocks = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** Node {@code i}'s timers follow {@code model} instead of the clock faults' timers. */
        public Setup timers(int i, TimerModel model) {
            timers.put(i, Objects.requireNonNull(model, "model"));
            return this;
        }

        /** A control run: the nodes start without this safeguard. */
        public Setup withoutSafeguard(Safeguard safeguard) {
            disabled.add(safeguard);
            return this;
        }

        /**
         * Sessions expire after {@code ttl} idle, under {@code rule} ({@link SessionRule#IMPLICIT_UNSAFE} only for
         * control runs).
         */
        public Setup sessions(Duration ttl, SessionRule rule) {
            this.sessionTtl = Objects.requireNonNull(ttl, "ttl");
            this.sessionRule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * A control run: every node's {@link KvService} (its lessor and its stamps) reads a clock that runs
         * {@code extraRate} faster than the node's own monotonic clock (0.5: half as fast again), while Raft keeps the
         * node's true clock. A lessor on such a clock expires leases early.
         */
        public Setup serviceClockSkew(double extraRate) {
            this.serviceClockSkew = extraRate;
            return this;
        }

        /**
         * A control run: at {@code atMillis} of virtual time every node's {@link KvService} clock jumps forward by
         * {@code byMillis} (as a wall clock stepped by NTP would, had the service read one), while Raft keeps the
         * node's true clock.
         */
        public Setup serviceClockJump(long atMillis, long byMillis) {
            this.serviceClockJumpAtMillis = atMillis;
            this.serviceClockJumpMillis = byMillis;
            return this;
        }

        /** The state machines keep the events of the last {@code revisions} revisions for watches (and snapshots). */
        public Setup history(long revisions) {
            this.historyRevisions = revisions;
            return this;
        }
    }

    @SuppressWarnings("unchecked")
    private KvSimCluster(int slots, int initial, long seed, RaftConfig config, Setup setup) {
        this.setup = setup;
        this.truth = new KvTruth(setup.sessionTtl, setup.sessionRule);
        this.services = new KvService[slots];
        this.clocks = new NodeClock[slots];
        this.lives = new NodeLife[slots];
        this.lifeNumbers = new int[slots];
        SimulatedCluster.Builder<KvTruth.ObservedStore, KvResult> b = SimulatedCluster.<KvTruth.ObservedStore, KvResult>builder(
                        this::newStore)
                .nodes(slots)
                .initialMembers(0)
                .seed(seed)
                .config(config)
                .clockFaults(setup.clocks)
                .nodeService(this::started);
        setup.timers.forEach(b::timers);
        setup.disabled.forEach(b::withoutSafeguard);
        this.c = b.build();
        // Every node started at virtual time 0; the initial members are asked to bootstrap before anything runs.
        String[] ids = new String[initial];
        for (int i = 0; i < initial; i++) {
            ids[i] = id(i);
        }
        for (int i = 0; i < initial; i++) {
            c.node(i).bootstrap(Configuration.ofVoters(ids));
        }
    }

    /** A node life's store, observed by the truth under the life's name ("n2#3"). */
    private KvTruth.ObservedStore newStore(String id) {
        int i = SimulatedCluster.index(id);
        lifeNumbers[i]++;
        KvStateMachine store = new KvStateMachine(setup.sessionTtl, setup.sessionRule, setup.historyRevisions);
        return truth.wrap(store, id + "#" + lifeNumbers[i]);
    }

    /** A node life began: its service, on the life's clock (or, in a control run, on a skewed or jumping one). */
    private void started(NodeLife<KvTruth.ObservedStore, KvResult> life) {
        int i = life.index();
        if (!life.name().equals(life.stateMachine().node())) {
            throw new IllegalStateException("node life " + life.name() + " runs the store of " + life.stateMachine().node());
        }
        lives[i] = life;
        truth.attach(life.simulation()); // at the first start, before any node applies or restores anything
        LongSupplier own = life.clock();
        clocks[i] = new NodeClock(life.name(), life.clockModel(), own);
        LongSupplier serviceClock = own;
        if (setup.serviceClockSkew != 0 || setup.serviceClockJumpAtMillis >= 0) {
            Simulation sim = life.simulation();
            long base = own.getAsLong();
            serviceClock = () -> {
                long t = own.getAsLong();
                long skewed = base + (long) ((t - base) * (1 + setup.serviceClockSkew));
                boolean jumped = setup.serviceClockJumpAtMillis >= 0
                        && sim.nowNanos() >= setup.serviceClockJumpAtMillis * 1_000_000L;
                return skewed + (jumped ? setup.serviceClockJumpMillis * 1_000_000L : 0);
            };
        }
        // The service's own timers (lease expiry, watch progress) die with the life, and do not feed a timer-driven
        // clock model, which stands for the Raft core's tick counting (NodeLife.schedule).
        services[i] = new KvService(life.node(), life.stateMachine().store(), serviceClock, Duration.ofSeconds(2),
                life::schedule);
    }

    /** A started, bootstrapped cluster of {@code n} nodes. */
    public static KvSimCluster create(int n, long seed, RaftConfig config) {
        return createGrowable(n, n, seed, config);
    }

    /** A started, bootstrapped cluster of {@code n} nodes with these faults and switches. */
    public static KvSimCluster create(int n, long seed, RaftConfig config, Setup setup) {
        return createGrowable(n, n, seed, config, setup);
    }

    /**
     * A started, bootstrapped cluster of {@code n} nodes whose state machines expire sessions after {@code sessionTtl}
     * idle, under {@code sessionRule} ({@link SessionRule#IMPLICIT_UNSAFE} only for control runs).
     */
    public static KvSimCluster create(int n, long seed, RaftConfig config, Duration sessionTtl, SessionRule sessionRule) {
        return createGrowable(n, n, seed, config, new Setup().sessions(sessionTtl, sessionRule));
    }

    /**
     * {@code slots} running nodes, of which only the first {@code initial} are bootstrapped as voters; the others
     * start empty (no configuration, never campaigning) and wait to be added by a membership change.
     */
    public static KvSimCluster createGrowable(int slots, int initial, long seed, RaftConfig config) {
        return createGrowable(slots, initial, seed, config, new Setup());
    }

    private static KvSimCluster createGrowable(int slots, int initial, long seed, RaftConfig config, Setup setup) {
        if (slots < 1 || initial < 1 || initial > slots) {
            throw new IllegalArgumentException("a cluster needs at least one node, and 1..slots initial members");
        }
        return new KvSimCluster(slots, initial, seed, config, setup);
    }

    public static String id(int i) {
        return SimulatedCluster.id(i);
    }

    public int size() {
        return c.size();
    }

    /** The testkit cluster underneath (its trace, its Raft invariant checker, its network). */
    public SimulatedCluster<KvTruth.ObservedStore, KvResult> simulated() {
        return c;
    }

    public Simulation simulation() {
        return c.simulation();
    }

    public RandomGenerator random() {
        return c.random();
    }

    /** How the nodes' state machines come to hold a session; clients follow it. */
    public SessionRule sessionRule() {
        return setup.sessionRule;
    }

    public Duration sessionTtl() {
        return setup.sessionTtl;
    }

    /**
     * What the cluster committed, as every node applied it: the ground truth that checkers compare watches, reads and
     * leases with ({@link KvTruth}). Every node's applied command and published view is checked against it as it
     * happens.
     */
    public KvTruth truth() {
        return truth;
    }

    /**
     * A node life's own monotonic clock, as its Raft node and (outside control runs) its {@link KvService} read
     * it: readable at any time, also after the life ended (its clock would have gone on).
     */
    public record NodeClock(String incarnation, ClockModel model, LongSupplier reading) {
        /** The reading now, in ns (an arbitrary origin of its own). */
        public long now() {
            return reading.getAsLong();
        }
    }

    /** Node {@code i}'s current (or last) life's clock. */
    public NodeClock clock(int i) {
        return clocks[i];
    }

    /** Node {@code i}'s current (or last) life, as "n2#3", for reports. */
    public String incarnationName(int i) {
        return lives[i].name();
    }

    /** Node {@code i}'s service, or null while it is down. */
    public KvService service(int i) {
        return services[i];
    }

    /** Starts node {@code i} from its disk (crashing the running life first). */
    public void start(int i) {
        crash(i);
        c.start(i);
    }

    /**
     * Freezes node {@code i} for {@code millis} of virtual time (GC pause, SIGSTOP): nothing of it runs, messages to
     * it wait, its clock goes on ({@link SimulatedCluster#pause}). Does nothing while it is down.
     */
    public void pause(int i, long millis) {
        c.pause(i, millis);
    }

    /** Until when node {@code i}'s current life is (or was last) paused, in ns of virtual time (0: never). */
    public long pausedUntilNanos(int i) {
        return lives[i].pausedUntilNanos();
    }

    /** Kills node {@code i}: it never runs again; only what its disk had made durable survives. */
    public void crash(int i) {
        services[i] = null;
        c.crash(i);
    }

    /** The index of node {@code i}'s newest durable snapshot (0: none). */
    public long snapshotIndex(int i) {
        try {
            return c.disk(i).snapshotStore().latest().map(m -> m.lastIndex()).orElse(0L);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of node {@code i}'s newest durable snapshot (0: none). */
    public long snapshotBytes(int i) {
        try {
            return c.disk(i).snapshotStore().latest().map(m -> m.sizeBytes()).orElse(0L);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The node that leads at the highest term, waiting up to {@code maxMillis} of virtual time for one. */
    public int awaitLeader(long maxMillis) {
        int[] found = {-1};
        c.runUntil(() -> (found[0] = currentLeader()) >= 0, maxMillis);
        if (found[0] < 0) {
            throw new AssertionError("no leader within " + maxMillis + " ms");
        }
        return found[0];
    }

    /** The running node that believes it leads the highest term, or -1 (does not run the simulation). */
    public int currentLeader() {
        return c.leader();
    }

    /** Whether node {@code i} is running. */
    public boolean isUp(int i) {
        return c.isUp(i);
    }

    /**
     * Asks whichever node leads now to set the membership to exactly {@code members} ({@link ConfigChange.SetMembers},
     * joint consensus, new voters caught up first), without running the simulation: the scenario carries on while
     * the change proceeds. Returns the node's future, or null when no running node leads. Should the asked node
     * crash, its future never completes.
     */
    public CompletableFuture<Membership> requestMembership(List<Member> members, Duration timeout) {
        int leader = currentLeader();
        if (leader < 0) {
            return null;
        }
        return c.node(leader).changeMembership(new ConfigChange.SetMembers(members), -1, timeout);
    }

    /**
     * Drives the cluster to exactly {@code members}, running the simulation, asking whichever node leads
     * ({@link SimulatedCluster#changeMembership}).
     */
    public Membership changeMembership(List<Member> members, long maxMillis) {
        return c.changeMembership(members, maxMillis);
    }

    /** Every node's role, term, log, commit and applied indexes and configurations (for failure messages). */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < size(); i++) {
            RaftNode<KvResult> node = c.node(i);
            sb.append(i == 0 ? "" : "; ").append(id(i)).append(": ");
            if (node == null) {
                sb.append("down");
                continue;
            }
            sb.append(node.state()).append(" term ").append(node.term()).append(" leader ").append(node.leader().orElse("-"))
                    .append(" last ").append(node.lastLogIndex()).append(" commit ").append(node.commitIndex())
                    .append(" applied ").append(node.appliedIndex()).append(" committed ").append(node.committedConfiguration())
                    .append(" latest ").append(node.configuration());
        }
        return sb.toString();
    }

    public long persistedRaftStateBytes(int i) {
        return c.disk(i).persistedRaftStateBytes();
    }

    /** The course's unreliable network, between the nodes and between clients and nodes alike. */
    public void setUnreliable(boolean unreliable) {
        this.unreliable = unreliable;
        c.setUnreliable(unreliable);
    }

    public boolean unreliable() {
        return unreliable;
    }

    /** Splits the nodes into groups that talk only among themselves. */
    public void partition(int[]... groups) {
        c.partition(groups);
    }

    public void heal() {
        c.heal();
    }

    /** Blocks the links between nodes {@code a} and {@code b}, both ways. */
    public void cut(int a, int b) {
        c.blockLink(a, b);
        c.blockLink(b, a);
    }

    /** Runs the simulation for {@code millis} of virtual time. */
    public void sleep(long millis) {
        c.runFor(millis);
    }

    /** Stops every node, after Raft's invariants are checked a last time (a violation of the run is thrown here). */
    @Override
    public void close() {
        c.close();
    }
}
