package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.HardState;

import io.tally.raft.message.RaftMessage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A tiny deterministic driver for several {@link RaftCore}s in one thread: it delivers
 * {@link Output#messages()} at once and {@link Output#messagesAfterPersist()} after "persisting" (calling
 * {@link RaftCore#persisted} for the last appended entry). Messages travel through one FIFO network queue
 * and can be dropped by predicate or by isolating nodes. A node's persistence can be held back and released
 * later to model a slow disk. Not a test class itself (the name does not match surefire's patterns).
 */
final class CoreDriver {

    /**
     * electionTicks 10, heartbeatTicks 2. Note the order: defaults().withElectionTicks(10).withHeartbeatTicks(2)
     * throws, because the intermediate (election 10, heartbeat 10) fails CoreConfig's validation.
     */
    static final CoreConfig CFG = CoreConfig.defaults().withHeartbeatTicks(2).withElectionTicks(10);

    /** The length of one tick on the driver's clock. */
    static final long TICK_NANOS = 10_000_000L;

    /** Virtual time shared by every core: {@link #tick()} advances it by one tick, {@link #advance} by any amount. */
    private static final class VirtualClock {
        long now;
    }

    private final VirtualClock time = new VirtualClock();

    /** The clock a core driven here reads: the driver's virtual time (a frozen node's clock keeps running). */
    CoreClock clock() {
        return new CoreClock(TICK_NANOS, () -> time.now);
    }

    /**
     * A clock for a core driven by hand, outside a driver: it reads 0 when the core starts and an hour later ever
     * after, so the vote lease a start counts as has run out by the first message (tests of the vote rules).
     */
    static CoreClock afterStartLease() {
        long[] reads = {0};
        return new CoreClock(TICK_NANOS, () -> reads[0]++ == 0 ? 0 : 3_600_000_000_000L);
    }

    /** Lets {@code nanos} of time pass without ticking anyone (a pause of the whole world's timers). */
    void advance(long nanos) {
        time.now += nanos;
    }

    /** One takeOutput() batch whose persist is still pending. */
    private record PendingPersist(Output output) {
    }

    final Map<String, RaftCore> cores = new LinkedHashMap<>();
    private final ArrayDeque<RaftMessage> network = new ArrayDeque<>();
    private final Map<String, ArrayDeque<PendingPersist>> pending = new LinkedHashMap<>();
    private final Set<String> holdPersist = new HashSet<>();
    private final Set<String> isolated = new HashSet<>();
    private final Set<String> frozen = new HashSet<>();
    /** Drop every message matching this. */
    Predicate<RaftMessage> dropIf = m -> false;
    /** Every message handed to the network (before any drop decision), in order. */
    final List<RaftMessage> sent = new ArrayList<>();
    /** Every message actually stepped into a core, in order. */
    final List<RaftMessage> delivered = new ArrayList<>();
    /** Committed entries handed to each node's state machine, in order. */
    final Map<String, List<Entry>> applied = new LinkedHashMap<>();
    /** Answers to read requests, per node, in order. */
    final Map<String, List<ReadState>> reads = new LinkedHashMap<>();
    /** Answers to membership changes and leadership transfers, in order (all nodes). */
    final List<AdminResult> admin = new ArrayList<>();
    /** Every (term, leader id) pair ever observed through role changes. */
    final Map<Long, Set<String>> leadersByTerm = new LinkedHashMap<>();

    /** A fresh cluster of empty nodes, all bootstrapped with the same voter configuration. */
    static CoreDriver bootstrapped(long seed, String... ids) {
        return bootstrapped(CFG, seed, ids);
    }

    static CoreDriver bootstrapped(CoreConfig cfg, long seed, String... ids) {
        CoreDriver d = new CoreDriver();
        SplittableRandom seeds = new SplittableRandom(seed);
        Configuration c = Configuration.ofVoters(ids);
        for (String id : ids) {
            RaftCore core = new RaftCore(id, cfg, d.clock(), new SplittableRandom(seeds.nextLong()), HardState.EMPTY,
                    new RaftLog(0, 0, Configuration.EMPTY, List.of()));
            d.add(core);
            core.bootstrap(c);
            d.collect(id);
        }
        return d;
    }

    void add(RaftCore core) {
        cores.put(core.id(), core);
        pending.put(core.id(), new ArrayDeque<>());
        applied.put(core.id(), new ArrayList<>());
        reads.put(core.id(), new ArrayList<>());
    }

    RaftCore core(String id) {
        return cores.get(id);
    }

    // ------------------------------------------------------------ fault controls

    /** Drops every message to or from the node. */
    void isolate(String id) {
        isolated.add(id);
    }

    void heal(String id) {
        isolated.remove(id);
    }

    /** A frozen node is not ticked (it models a paused process); it still receives messages unless isolated. */
    void freeze(String id) {
        frozen.add(id);
    }

    void unfreeze(String id) {
        frozen.remove(id);
    }

    /** Holds the node's persists (and so its messagesAfterPersist) until {@link #releasePersist}. */
    void holdPersist(String id) {
        holdPersist.add(id);
    }

    /** Completes the node's pending persists, in order, and stops holding them. */
    void releasePersist(String id) {
        holdPersist.remove(id);
        ArrayDeque<PendingPersist> q = pending.get(id);
        while (!q.isEmpty()) {
            complete(id, q.poll().output());
        }
        collect(id);
    }

    // ------------------------------------------------------------ driving

    /** One batch's output, as the runtime takes it: the leader's batch steps, then the output. */
    static Output drain(RaftCore core) {
        core.endBatch();
        return core.takeOutput();
    }

    /** Drains one core's output and carries it out. */
    void collect(String id) {
        RaftCore core = cores.get(id);
        while (core.hasOutput()) {
            Output o = CoreDriver.drain(core);
            for (RoleChange rc : o.roleChanges()) {
                if (rc.role() == Role.LEADER) {
                    leadersByTerm.computeIfAbsent(rc.term(), t -> new HashSet<>()).add(id);
                }
            }
            network.addAll(o.messages());
            sent.addAll(o.messages());
            applied.get(id).addAll(o.committed());
            reads.get(id).addAll(o.reads());
            admin.addAll(o.admin());
            ArrayDeque<PendingPersist> q = pending.get(id);
            if (holdPersist.contains(id) || !q.isEmpty()) {
                q.add(new PendingPersist(o));
            } else {
                complete(id, o);
            }
        }
    }

    private void complete(String id, Output o) {
        RaftCore core = cores.get(id);
        if (!o.entries().isEmpty()) {
            Entry last = o.entries().get(o.entries().size() - 1);
            core.persisted(last.index(), last.term());
        }
        network.addAll(o.messagesAfterPersist());
        sent.addAll(o.messagesAfterPersist());
    }

    /** Pending messages in the network, in order. */
    List<RaftMessage> inFlight() {
        return List.copyOf(network);
    }

    /** Removes and returns the pending messages matching the predicate (they are not delivered). */
    List<RaftMessage> intercept(Predicate<RaftMessage> p) {
        List<RaftMessage> taken = new ArrayList<>();
        network.removeIf(m -> {
            if (p.test(m)) {
                taken.add(m);
                return true;
            }
            return false;
        });
        return taken;
    }

    /** Puts a message on the network. */
    void send(RaftMessage m) {
        network.add(m);
        sent.add(m);
    }

    private boolean dropped(RaftMessage m) {
        return isolated.contains(m.from()) || isolated.contains(m.to()) || !cores.containsKey(m.to())
                || dropIf.test(m);
    }

    /** Delivers one message directly (still subject to drops); returns whether it was delivered. */
    boolean deliver(RaftMessage m) {
        if (dropped(m)) {
            return false;
        }
        delivered.add(m);
        cores.get(m.to()).step(m);
        collect(m.to());
        return true;
    }

    /** Delivers until the network is empty. */
    void deliverAll() {
        int budget = 1_000_000;
        while (!network.isEmpty()) {
            if (--budget == 0) {
                throw new AssertionError("network does not quiesce");
            }
            deliver(network.poll());
        }
    }

    /** One tick of time; every node that is not frozen ticks, then delivery until quiet. */
    void tick() {
        time.now += TICK_NANOS;
        for (RaftCore c : cores.values()) {
            if (!frozen.contains(c.id())) {
                c.tick();
                collect(c.id());
            }
        }
        deliverAll();
    }

    void tick(int n) {
        for (int i = 0; i < n; i++) {
            tick();
        }
    }

    /** Ticks until the condition holds; fails after {@code maxTicks}. Returns the ticks it took. */
    int tickUntil(BooleanSupplier cond, int maxTicks) {
        deliverAll();
        for (int i = 0; i < maxTicks; i++) {
            if (cond.getAsBoolean()) {
                return i;
            }
            tick();
        }
        if (cond.getAsBoolean()) {
            return maxTicks;
        }
        throw new AssertionError("condition not reached within " + maxTicks + " ticks: " + describe());
    }

    /** Ticks until some node is leader and every other non-isolated node follows it. */
    RaftCore electLeader(int maxTicks) {
        tickUntil(() -> stableLeader() != null, maxTicks);
        return stableLeader();
    }

    RaftCore stableLeader() {
        RaftCore leader = null;
        for (RaftCore c : cores.values()) {
            if (c.role() == Role.LEADER && !isolated.contains(c.id())) {
                if (leader != null) {
                    return null;
                }
                leader = c;
            }
        }
        if (leader == null) {
            return null;
        }
        for (RaftCore c : cores.values()) {
            if (c != leader && !isolated.contains(c.id())
                    && (c.role() != Role.FOLLOWER || !leader.id().equals(c.leaderId()) || c.term() != leader.term())) {
                return null;
            }
        }
        return leader;
    }

    List<RaftCore> leaders() {
        return cores.values().stream().filter(c -> c.role() == Role.LEADER).toList();
    }

    /** Proposes on the node and carries out its output (delivery happens on the next deliverAll/tick). */
    Entry propose(String id, String data) {
        Entry e = cores.get(id).propose(EntryType.COMMAND, data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        collect(id);
        return e;
    }

    /** The node's log as a list of "index/term" strings, for readable equality checks. */
    static List<String> logOf(RaftCore c) {
        List<String> out = new ArrayList<>();
        RaftLog log = c.log();
        for (long i = log.firstIndex(); i <= log.lastIndex(); i++) {
            out.add(i + "/" + log.term(i));
        }
        return out;
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        for (RaftCore c : cores.values()) {
            sb.append(c.id()).append('[').append(c.role()).append(" t=").append(c.term())
                    .append(" lead=").append(c.leaderId()).append(" last=").append(c.lastIndex())
                    .append(" commit=").append(c.commitIndex()).append("] ");
        }
        return sb.toString();
    }
}
