package io.tally.testkit.api;

import io.tally.raft.RaftConfig;
import io.tally.raft.RaftState;
import io.tally.raft.StateMachine;
import io.tally.raft.node.RaftNode;
import io.tally.testkit.linearizability.LinearizabilityChecker;
import io.tally.testkit.linearizability.Model;
import io.tally.testkit.linearizability.Operation;
import io.tally.testkit.sim.ClockFaults;
import io.tally.testkit.sim.SimulationException;
import io.tally.testkit.sim.TimerModel;
import io.tally.testkit.harness.SimFileDisk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Runs your state machine on a simulated cluster under faults, with simulated clients, and checks the run: one seed
 * at a time ({@link #run}) or over a budget of seeds ({@link #check}). A run, all in virtual time:
 * <ol>
 *   <li>a {@link SimulatedCluster} of {@link Builder#nodes} nodes starts, each with a state machine from your factory;</li>
 *   <li>{@link Builder#clients} clients issue your {@link Workload}'s operations, one at a time each, for
 *       {@link Builder#duration};</li>
 *   <li>meanwhile a nemesis injects the chosen {@link Fault}s at random moments and lifts them, until the last fifth
 *       of the run, when it heals everything and restarts every node;</li>
 *   <li>Raft's invariants, your {@link StateInvariant}s and the replica comparison run throughout and at the end;</li>
 *   <li>the recorded history is checked for linearizability against your {@link Model}.</li>
 * </ol>
 * Everything is drawn from the seed: the same seed replays the same run, event for event, as long as your state
 * machine and workload are deterministic (a state machine that reads the wall clock or an unseeded random source is
 * not, and its runs cannot be replayed exactly — which is itself the bug).
 *
 * @param <S> your state machine type
 * @param <R> its result type
 * @param <I> an operation as your model sees it
 * @param <O> an answer as your model sees it
 */
public final class Simulator<S extends StateMachine<R>, R, I, O> {

    private final Builder<S, R, I, O> spec;

    private Simulator(Builder<S, R, I, O> spec) {
        this.spec = spec;
    }

    /**
     * A simulator of the state machines {@code factory} makes, driven by {@code workload} and checked against
     * {@code model}.
     */
    public static <S extends StateMachine<R>, R, I, O> Builder<S, R, I, O> builder(
            StateMachineFactory<? extends S> factory, Workload<I, O, R> workload, Model<?, I, O> model) {
        return new Builder<>(factory, workload, model);
    }

    /** Runs seeds {@code firstSeed}, {@code firstSeed + 1}, … up to {@code count} of them, stopping at the first failure. */
    public SimulationReport check(long firstSeed, int count) {
        long operations = 0;
        long faults = 0;
        for (int k = 0; k < count; k++) {
            SeedResult r = run(firstSeed + k);
            operations += r.operations();
            faults += r.faults();
            if (!r.passed()) {
                return new SimulationReport(k + 1, firstSeed, r, operations, faults);
            }
        }
        return new SimulationReport(count, firstSeed, null, operations, faults);
    }

    /** {@link #check(long, int)} over {@code budget}. */
    public SimulationReport check(SeedBudget budget) {
        return check(budget.first(), budget.count());
    }

    /** {@link #check(long, int)} over the budget the system properties give ({@link SeedBudget#resolve()}). */
    public SimulationReport check() {
        return check(SeedBudget.resolve());
    }

    /** Runs one seed and reports what it came to; never throws for a failed check (see {@link SeedResult#assertPassed()}). */
    public SeedResult run(long seed) {
        return new Run(seed).run();
    }

    /** One seed's run: its cluster, clients, nemesis and history. */
    private final class Run {
        final long seed;
        final List<Operation<I, O>> history = new ArrayList<>();
        SimulatedCluster<S, R> cluster;
        Nemesis<S, R> nemesis;

        Run(long seed) {
            this.seed = seed;
        }

        SeedResult run() {
            String failure = null;
            Throwable cause = null;
            try {
                play();
                cluster.trace().record("final checks");
                cluster.close(); // Raft's invariants, yours and the replica comparison, a last time
                LinearizabilityChecker.Result verdict = checkHistory(history);
                if (!verdict.ok()) {
                    failure = "the history is not linearizable (" + verdict.verdict() + "): " + verdict.report();
                }
            } catch (SimulationException e) {
                Throwable inner = e.getCause() == null ? e : e.getCause();
                failure = inner.getMessage() + " (in event '" + e.label() + "')";
                cause = e;
            } catch (RuntimeException | AssertionError e) {
                failure = String.valueOf(e.getMessage());
                cause = e;
            } finally {
                if (cluster != null && cause != null) {
                    try {
                        cluster.close();
                    } catch (RuntimeException | AssertionError suppressed) {
                        cause.addSuppressed(suppressed);
                    }
                }
            }
            if (cause != null && cluster != null && !cluster.raftInvariants().violations().isEmpty()) {
                // A violation thrown on a node's own thread stops that node; report the violation, not the stop.
                String first = cluster.raftInvariants().violations().get(0);
                if (!failure.contains(first)) {
                    failure = first + " (then: " + failure + ")";
                }
            }
            List<String> lines = new ArrayList<>(cluster == null ? List.of() : cluster.trace().lines());
            if (failure != null) {
                lines.add("              FAILED: " + failure);
            }
            return new SeedResult(seed, failure == null, failure, cause, ReplayCommand.forSeed(seed), lines,
                    history.size(), history.stream().filter(Operation::outcomeUnknown).count(),
                    nemesis == null ? 0 : nemesis.injected(), cluster == null ? 0 : cluster.nowMillis());
        }

        private void play() {
            boolean files = spec.storage == Storage.SIMULATED_FILES
                    || spec.faults.stream().anyMatch(Fault::needsFileStorage);
            SimulatedCluster.Builder<S, R> b = SimulatedCluster.<S, R>builder(spec.factory)
                    .nodes(spec.nodes)
                    .seed(seed)
                    .config(spec.config)
                    .storage(files ? Storage.SIMULATED_FILES : Storage.IN_MEMORY)
                    .clockFaults(clockFaults());
            spec.invariants.forEach(b::invariant);
            if (spec.replicaState != null) {
                b.replicaState(spec.replicaState);
            }
            cluster = b.build();
            if (files) {
                SimFileDisk.CrashModel model = spec.faults.contains(Fault.TORN_WRITES) ? SimFileDisk.CrashModel.RANDOM
                        : SimFileDisk.CrashModel.LOSE_ALL_UNSYNCED;
                for (int i = 0; i < cluster.size(); i++) {
                    cluster.fileDisk(i).setCrashModel(model);
                }
            }
            cluster.trace().record("seed " + seed + ": " + spec.nodes + " nodes, " + spec.clients + " clients, faults "
                    + spec.faults);
            nemesis = new Nemesis<>(cluster, spec.faults, new SplittableRandom(cluster.random().nextLong()));
            long durationMillis = spec.duration.toMillis();
            for (int k = 0; k < spec.clients; k++) {
                new WorkloadClient<>(k, cluster, spec.workload, history, spec.operationTimeout.toMillis(),
                        spec.maxThinkMillis, spec.traceOperations).start(durationMillis * 1_000_000L);
            }
            SplittableRandom timing = new SplittableRandom(cluster.random().nextLong());
            long faultsEnd = durationMillis * 4 / 5;
            while (cluster.nowMillis() < faultsEnd) {
                long gap = spec.minFaultGapMillis + timing.nextLong(spec.maxFaultGapMillis - spec.minFaultGapMillis + 1);
                cluster.runFor(Math.min(gap, faultsEnd - cluster.nowMillis()));
                checkNoUnexpectedStop();
                nemesis.step();
            }
            cluster.trace().record("faults end: healing everything");
            nemesis.healAll();
            cluster.runFor(Math.max(0, durationMillis - cluster.nowMillis()));
            // Every operation still in flight is answered, or given up at its deadline.
            cluster.runFor(spec.operationTimeout.toMillis() + 100);
            cluster.runUntil(() -> caughtUp(cluster), 10_000);
            checkNoUnexpectedStop();
        }

        /** A node that stopped itself, other than on a disk the nemesis filled, is a failure (its state machine threw). */
        private void checkNoUnexpectedStop() {
            for (int i = 0; i < cluster.size(); i++) {
                RaftNode<R> node = cluster.node(i);
                if (node != null && node.state() == RaftState.SHUTDOWN && !nemesis.stoppedByFullDisk(i)) {
                    String why = node.fatalError().map(String::valueOf).orElse("no error recorded");
                    cluster.trace().record(SimulatedCluster.id(i) + " stopped: " + why);
                    throw new AssertionError("node " + SimulatedCluster.id(i) + " stopped itself: " + why);
                }
            }
        }
    }

    private ClockFaults clockFaults() {
        double drift = spec.faults.contains(Fault.CLOCK_DRIFT) ? 0.8 * spec.config.core().maxClockDriftRate() : 0;
        TimerModel timers = spec.faults.contains(Fault.TIMER_LATENESS)
                ? new TimerModel(2_000_000L, 1.0 / 3, 50_000_000L) : TimerModel.PUNCTUAL;
        return drift == 0 && timers.equals(TimerModel.PUNCTUAL) ? ClockFaults.NONE : new ClockFaults(drift, timers, false);
    }

    private boolean caughtUp(SimulatedCluster<S, R> c) {
        long max = -1;
        long min = Long.MAX_VALUE;
        for (int i = 0; i < c.size(); i++) {
            RaftNode<R> node = c.node(i);
            if (node != null && node.state() != RaftState.SHUTDOWN && node.configuration().contains(node.id())) {
                long at = node.appliedIndex();
                max = Math.max(max, node.commitIndex());
                min = Math.min(min, at);
            }
        }
        return max < 0 || min >= max;
    }

    @SuppressWarnings("unchecked")
    private LinearizabilityChecker.Result checkHistory(List<Operation<I, O>> history) {
        return LinearizabilityChecker.check((Model<Object, I, O>) spec.model, history, spec.checkerTimeout);
    }

    /**
     * What a {@link Simulator} runs: the cluster, the clients, the faults and the checks.
     *
     * @param <S> your state machine type
     * @param <R> its result type
     * @param <I> an operation as your model sees it
     * @param <O> an answer as your model sees it
     */
    public static final class Builder<S extends StateMachine<R>, R, I, O> {

        private final StateMachineFactory<? extends S> factory;
        private final Workload<I, O, R> workload;
        private final Model<?, I, O> model;
        private int nodes = 3;
        private int clients = 3;
        private Duration duration = Duration.ofSeconds(5);
        private Set<Fault> faults = EnumSet.of(Fault.UNRELIABLE_NETWORK, Fault.PARTITION, Fault.CRASH_RESTART,
                Fault.PAUSE, Fault.LEADERSHIP_TRANSFER);
        private RaftConfig config = RaftConfig.defaults().withPreVote(true).withCheckQuorum(true)
                .withSnapshots(new RaftConfig.SnapshotPolicy(50, 0, 0, 1024, 4));
        private Storage storage = Storage.IN_MEMORY;
        private final List<StateInvariant<? super S>> invariants = new ArrayList<>();
        private Function<? super S, ?> replicaState;
        private Duration operationTimeout = Duration.ofSeconds(2);
        private long maxThinkMillis = 20;
        private long minFaultGapMillis = 200;
        private long maxFaultGapMillis = 1_000;
        private Duration checkerTimeout = Duration.ofSeconds(30);
        private boolean traceOperations = true;

        private Builder(StateMachineFactory<? extends S> factory, Workload<I, O, R> workload, Model<?, I, O> model) {
            this.factory = Objects.requireNonNull(factory, "factory");
            this.workload = Objects.requireNonNull(workload, "workload");
            this.model = Objects.requireNonNull(model, "model");
        }

        /** How many nodes (default 3). */
        public Builder<S, R, I, O> nodes(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a cluster needs at least one node, not " + count);
            }
            this.nodes = count;
            return this;
        }

        /** How many concurrent clients (default 3). */
        public Builder<S, R, I, O> clients(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a workload needs at least one client, not " + count);
            }
            this.clients = count;
            return this;
        }

        /** How long the clients run, in virtual time (default 5 s); faults stop after four fifths of it. */
        public Builder<S, R, I, O> duration(Duration duration) {
            if (duration.toMillis() < 100) {
                throw new IllegalArgumentException("a run lasts at least 100 ms, not " + duration);
            }
            this.duration = duration;
            return this;
        }

        /**
         * The faults to inject (replacing the default: unreliable network, partitions, crashes, pauses and leadership
         * transfers). None at all is allowed: a fault-free run.
         */
        public Builder<S, R, I, O> faults(Fault... faults) {
            this.faults = faults.length == 0 ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(Arrays.asList(faults));
            return this;
        }

        /** Every fault of {@link Fault}. */
        public Builder<S, R, I, O> allFaults() {
            this.faults = EnumSet.allOf(Fault.class);
            return this;
        }

        /** How often the nemesis acts: every {@code min}–{@code max} of virtual time (default 200–1000 ms). */
        public Builder<S, R, I, O> faultInterval(Duration min, Duration max) {
            if (min.toMillis() < 1 || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("the fault interval needs 1 ms <= min <= max");
            }
            this.minFaultGapMillis = min.toMillis();
            this.maxFaultGapMillis = max.toMillis();
            return this;
        }

        /**
         * The nodes' settings (default: {@link RaftConfig#defaults()} with PreVote and CheckQuorum, and a snapshot
         * every 50 entries so that snapshots are taken, sent and restored often).
         */
        public Builder<S, R, I, O> config(RaftConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Where the nodes keep their state; disk faults choose {@link Storage#SIMULATED_FILES} by themselves. */
        public Builder<S, R, I, O> storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /** Adds a property of your state machine checked on every node throughout (see {@link StateInvariant}). */
        public Builder<S, R, I, O> invariant(StateInvariant<? super S> invariant) {
            this.invariants.add(Objects.requireNonNull(invariant, "invariant"));
            return this;
        }

        /** Compares replicas that applied the same commands through this view (see {@link SimulatedCluster.Builder#replicaState}). */
        public Builder<S, R, I, O> replicaState(Function<? super S, ?> view) {
            this.replicaState = Objects.requireNonNull(view, "view");
            return this;
        }

        /** How long a client waits for an answer before it records the outcome as unknown (default 2 s). */
        public Builder<S, R, I, O> operationTimeout(Duration timeout) {
            this.operationTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Most pause of a client between two operations (default 20 ms; 0: none). */
        public Builder<S, R, I, O> thinkTime(Duration max) {
            this.maxThinkMillis = max.toMillis();
            return this;
        }

        /** How long the linearizability check may search before the run counts as failed (default 30 s of real time). */
        public Builder<S, R, I, O> checkerTimeout(Duration timeout) {
            this.checkerTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Whether every client call and answer goes in the trace (default yes). */
        public Builder<S, R, I, O> traceOperations(boolean on) {
            this.traceOperations = on;
            return this;
        }

        /** The simulator. */
        public Simulator<S, R, I, O> build() {
            return new Simulator<>(this);
        }
    }
}
