package io.tally.testkit.kv;

import io.tally.kv.Compare;
import io.tally.kv.Consistency;
import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.kv.KvView;
import io.tally.kv.SessionRule;
import io.tally.kv.TxnOp;
import io.tally.kv.TxnOpResult;
import io.tally.kv.Versioned;
import io.tally.raft.NotLeaderException;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.Operation;
import io.tally.testkit.sim.Event;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A simulated client (the course's clerk): one operation at a time, retried across nodes until it succeeds.
 * Every operation is recorded in a shared history (virtual call and return times) for the linearizability
 * checker; an operation still unanswered when the scenario ends is recorded with an unknown outcome.
 *
 * <p>Sessions, as the Java client keeps them (Raft thesis §6.3):
 * <ul>
 *   <li>Before its first write the client opens a session through the log (a REGISTER entry), and again after the
 *       cluster answered {@code SESSION_EXPIRED}. Writes carry the session and keep their sequence number across
 *       retries, so a write whose answer was lost, or whose outcome was unknown, is applied at most once.</li>
 *   <li>A write refused with {@code SESSION_EXPIRED} applied nothing. If an earlier try of it may have applied
 *       (a try reached a node and no definite answer came back), its outcome is unknown: it is recorded as
 *       {@link Operation#unknown} and reported as {@link WriteOutcome#UNKNOWN}. If no try can have applied, the
 *       client retries it on a new session, unseen by its caller.</li>
 *   <li>On a cluster whose state machines run {@link SessionRule#IMPLICIT_UNSAFE} (control runs only), the client
 *       registers nothing: it picks a fresh session id itself and its first write creates the session.</li>
 * </ul>
 */
public final class SimKvClient {

    /** How long one try may take before the client gives up on that node (its answer may never come). */
    static final long ATTEMPT_MILLIS = 1000;

    /** What became of a write. */
    public enum WriteOutcome {
        /** Applied, once. */
        OK,
        /** Refused because its session expired after an earlier try may have applied: applied once or never. */
        UNKNOWN
    }

    private final KvSimCluster cluster;
    private final int id;
    private final List<Operation<KvModel.Input, String>> history;
    private final boolean sessions;
    private long session;        // the open session, 0 when none is open
    private long seq;            // the last sequence number used in it
    private int implicitSessions; // ids picked for the control rule
    private final int[] servers; // the nodes this client may talk to
    private int target;          // index into servers
    private int redirect = -1;   // a leader outside servers that a node named; followed like a redirect
    private long cutUntilNanos;  // while cut off, every request and every answer is lost
    private Pending pending;     // the operation in flight, if any
    private int sessionsOpened;
    private int expiredRefusals;
    private int unknownOutcomes;
    private int txns;
    private Consumer<Acknowledged> writeObserver = w -> { };
    private Consumer<RangeRead> readObserver = r -> { };

    /**
     * A write the cluster acknowledged: the command as the client made it (without session or stamp) and the result,
     * whose revision names the log entry that applied it. For checkers that hold the log to the clients' answers.
     */
    public record Acknowledged(int client, KvModel.Input input, KvCommand command, KvResult result, long callNanos,
                               long returnNanos, int node) {
    }

    /** A range read that returned: the revision of the view it read and what it saw. */
    public record RangeRead(int client, String prefix, long revision, SortedMap<String, String> entries, long callNanos,
                            long returnNanos) {
    }

    private record Pending(KvModel.Input input, long callNanos) {
    }

    /**
     * A write in flight: the command without its session, which it gets (again) when it is sent; what its result
     * means as the history's output; and what to tell the caller.
     */
    private static final class PendingWrite {
        final KvCommand command;
        final Function<KvResult, String> output;
        final Consumer<WriteOutcome> done;
        /** Whether an answer other than OK (CAS_FAILED, LEASE_NOT_FOUND) is an outcome for the caller, not a failure. */
        boolean anyStatus;
        KvResult result;
        long session;
        long seq;
        boolean maybeApplied;

        PendingWrite(KvCommand command, Function<KvResult, String> output, Consumer<WriteOutcome> done) {
            this.command = command;
            this.output = output;
            this.done = done;
        }
    }

    /**
     * @param sessions whether writes carry a session (switching it off shows what sessions prevent: a retried
     *                 write applied twice)
     */
    public SimKvClient(KvSimCluster cluster, int id, List<Operation<KvModel.Input, String>> history, boolean sessions) {
        this(cluster, id, history, sessions, allNodes(cluster.size()));
    }

    /** A client that talks only to {@code servers} (for example, the minority side of a partition). */
    public SimKvClient(KvSimCluster cluster, int id, List<Operation<KvModel.Input, String>> history, boolean sessions,
                       int[] servers) {
        this.cluster = cluster;
        this.id = id;
        this.history = history;
        this.sessions = sessions;
        this.servers = servers.clone();
        this.target = id % servers.length;
    }

    private static int[] allNodes(int n) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return all;
    }

    private KvService server() {
        return cluster.service(redirect >= 0 ? redirect : servers[target]);
    }

    private void nextServer() {
        redirect = -1;
        target = (target + 1) % servers.length;
    }

    public int id() {
        return id;
    }

    /** Tells {@code observer} of every write this client sees acknowledged (after it is recorded in the history). */
    public SimKvClient observeWrites(Consumer<Acknowledged> observer) {
        this.writeObserver = observer;
        return this;
    }

    /** Tells {@code observer} of every range read that returned. */
    public SimKvClient observeRangeReads(Consumer<RangeRead> observer) {
        this.readObserver = observer;
        return this;
    }

    public io.tally.testkit.sim.Simulation simulation() {
        return cluster.simulation();
    }

    public boolean busy() {
        return pending != null;
    }

    /** Sessions this client opened (registered, or picked under the control rule). */
    public int sessionsOpened() {
        return sessionsOpened;
    }

    /** Writes the cluster refused with {@code SESSION_EXPIRED}. */
    public int expiredRefusals() {
        return expiredRefusals;
    }

    /** Writes reported as {@link WriteOutcome#UNKNOWN}. */
    public int unknownOutcomes() {
        return unknownOutcomes;
    }

    /**
     * Cuts this client off from every node for {@code millis} of virtual time: its requests, and the answers to
     * requests already sent, are lost (a client partitioned from the cluster).
     */
    public void cutOff(long millis) {
        cutUntilNanos = Math.max(cutUntilNanos, cluster.simulation().nowNanos() + millis * 1_000_000L);
    }

    private boolean isCutOff() {
        return cluster.simulation().nowNanos() < cutUntilNanos;
    }

    /** An append whose outcome must be known: an {@link WriteOutcome#UNKNOWN} fails the scenario. */
    public void append(String key, String value, Runnable done) {
        append(key, value, expectKnown(done));
    }

    public void append(String key, String value, Consumer<WriteOutcome> done) {
        write(KvCommand.append(key, value.getBytes(StandardCharsets.UTF_8)), KvModel.Input.append(key, value), okOutput(),
                done);
    }

    /** A put whose outcome must be known: an {@link WriteOutcome#UNKNOWN} fails the scenario. */
    public void put(String key, String value, Runnable done) {
        write(KvCommand.put(key, value.getBytes(StandardCharsets.UTF_8)), KvModel.Input.put(key, value), okOutput(),
                expectKnown(done));
    }

    private static Function<KvResult, String> okOutput() {
        return r -> "ok";
    }

    /**
     * A transaction ({@link KvModel.Txn}, inside one group), through the session like every write; {@code done}
     * receives the store's answer. Its outcome must be known. A comparison that the key is absent is sent as
     * {@code exists: false} and as {@code version: 0} in turn (the same condition).
     */
    public void txn(KvModel.Txn txn, Consumer<KvResult> done) {
        List<Compare> compare = new ArrayList<>();
        for (KvModel.Cond c : txn.compare()) {
            compare.add(switch (c.kind()) {
                case VALUE_IS -> new Compare.ValueIs(c.key(), c.value().getBytes(StandardCharsets.UTF_8));
                case EXISTS -> new Compare.Exists(c.key(), true);
                case ABSENT -> txns % 2 == 0 ? new Compare.Exists(c.key(), false) : new Compare.VersionIs(c.key(), 0);
            });
        }
        txns++;
        KvCommand cmd = KvCommand.txn(compare, ops(txn.success()), ops(txn.failure()));
        PendingWrite[] self = {null};
        write(cmd, KvModel.Input.txn(txn), r -> txnOutput(txn, r), expectKnown(() -> done.accept(self[0].result)), self);
    }

    private static List<TxnOp> ops(List<KvModel.Step> steps) {
        List<TxnOp> ops = new ArrayList<>();
        for (KvModel.Step s : steps) {
            ops.add(switch (s.kind()) {
                case PUT -> new TxnOp.Put(s.key(), s.value().getBytes(StandardCharsets.UTF_8), 0);
                case GET -> new TxnOp.Get(s.key());
                case DELETE -> new TxnOp.Delete(s.key());
                case DELETE_PREFIX -> new TxnOp.DeletePrefix(s.key());
            });
        }
        return ops;
    }

    /** The history's output of a transaction's answer; an answer that does not fit the request fails the scenario. */
    private String txnOutput(KvModel.Txn txn, KvResult r) {
        KvResult.TxnOutcome t = r.txn();
        List<KvModel.Step> steps = t == null ? List.of() : t.succeeded() ? txn.success() : txn.failure();
        if (t == null || t.results().size() != steps.size()) {
            fail("client " + id + ": the answer " + r + " does not fit " + txn);
            return "?";
        }
        List<String> results = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            TxnOpResult res = t.results().get(i);
            KvModel.Step step = steps.get(i);
            if (res instanceof TxnOpResult.Put && step.kind() == KvModel.StepKind.PUT) {
                results.add(KvModel.PUT_RESULT);
            } else if (res instanceof TxnOpResult.Get g && step.kind() == KvModel.StepKind.GET) {
                results.add(g.value() == null ? null : new String(g.value().value(), StandardCharsets.UTF_8));
            } else if (res instanceof TxnOpResult.Delete d && step.kind() == KvModel.StepKind.DELETE) {
                results.add(Long.toString(d.deleted()));
            } else if (res instanceof TxnOpResult.DeletePrefix d && step.kind() == KvModel.StepKind.DELETE_PREFIX) {
                results.add(KvModel.countOutput(d.deleted()));
            } else {
                fail("client " + id + ": result " + res + " does not fit step " + step + " of " + txn);
                return "?";
            }
        }
        return KvModel.txnOutput(t.succeeded(), results);
    }

    /**
     * Any write, through the session; {@code done} receives the store's answer whatever its status (OK, CAS_FAILED,
     * LEASE_NOT_FOUND): for writes the key/value model does not describe (leases), so the caller keeps this client's
     * history out of the linearizability check. Its outcome must be known.
     */
    public void write(KvCommand command, KvModel.Input describedAs, Consumer<KvResult> done) {
        PendingWrite[] self = {null};
        begin(describedAs);
        self[0] = new PendingWrite(command, r -> r.status().toString(), expectKnown(() -> done.accept(self[0].result)));
        self[0].anyStatus = true;
        send(self[0]);
    }

    /**
     * Deletes every key under {@code prefix} (inside one group: it contains '/') at one revision, through the session;
     * {@code done} receives the store's answer ({@link KvResult#count()} keys deleted). Its outcome must be known.
     */
    public void deletePrefix(String prefix, Consumer<KvResult> done) {
        PendingWrite[] self = {null};
        write(KvCommand.deletePrefix(prefix), KvModel.Input.deletePrefix(prefix), r -> KvModel.countOutput(r.count()),
                expectKnown(() -> done.accept(self[0].result)), self);
    }

    /**
     * A range read of every key under {@code prefix} (inside one group) at {@code consistency} (LINEARIZABLE or
     * LEASE), from one {@link KvView}, read a page of two keys at a time; {@code done} receives the keys and values.
     */
    public void rangeRead(String prefix, Consistency consistency, Consumer<SortedMap<String, String>> done) {
        if (consistency == Consistency.STALE) {
            throw new IllegalArgumentException("stale reads are not linearizable; the checker would reject them");
        }
        KvModel.Input in = KvModel.Input.range(prefix);
        begin(in);
        attemptRange(prefix, consistency, done);
    }

    private Consumer<WriteOutcome> expectKnown(Runnable done) {
        return outcome -> {
            if (outcome == WriteOutcome.OK) {
                done.run();
                return;
            }
            fail("client " + id + ": a write's outcome became unknown (its session expired), which this scenario "
                    + "does not expect");
        };
    }

    /** A linearizable get; {@code done} receives the value ("" when absent). */
    public void get(String key, Consumer<String> done) {
        get(key, Consistency.LINEARIZABLE, done);
    }

    /**
     * A get at {@code consistency} ({@code LINEARIZABLE} or {@code LEASE}: both must be linearizable, and the
     * history checker holds them to it); {@code done} receives the value ("" when absent).
     */
    public void get(String key, Consistency consistency, Consumer<String> done) {
        if (consistency == Consistency.STALE) {
            throw new IllegalArgumentException("stale reads are not linearizable; the checker would reject them");
        }
        KvModel.Input in = KvModel.Input.get(key);
        begin(in);
        attemptRead(key, consistency, in, done);
    }

    private void write(KvCommand command, KvModel.Input in, Function<KvResult, String> output, Consumer<WriteOutcome> done) {
        write(command, in, output, done, new PendingWrite[1]);
    }

    private void write(KvCommand command, KvModel.Input in, Function<KvResult, String> output, Consumer<WriteOutcome> done,
                       PendingWrite[] self) {
        begin(in);
        self[0] = new PendingWrite(command, output, done);
        send(self[0]);
    }

    private void begin(KvModel.Input in) {
        if (pending != null) {
            throw new IllegalStateException("client " + id + " already has an operation in flight");
        }
        pending = new Pending(in, cluster.simulation().nowNanos());
    }

    private void finish(String output) {
        history.add(new Operation<>(id, pending.input(), output, pending.callNanos(), cluster.simulation().nowNanos()));
        pending = null;
    }

    private void finishUnknown() {
        history.add(Operation.unknown(id, pending.input(), pending.callNanos()));
        pending = null;
    }

    /** Records an operation still in flight as of unknown outcome (for the end of a scenario). */
    public void abandon() {
        if (pending != null) {
            if (pending.input().isWrite()) {
                history.add(Operation.unknown(id, pending.input(), pending.callNanos()));
            }
            pending = null;
        }
    }

    // ------------------------------------------------------------------ sessions

    /** Sends {@code w} on the open session, opening one first if none is. */
    private void send(PendingWrite w) {
        if (pending == null) {
            return; // abandoned
        }
        if (!sessions) {
            attemptWrite(w, w.command);
            return;
        }
        if (session == 0) {
            openSession(() -> send(w));
            return;
        }
        if (w.session != session) {
            w.session = session; // its number in this session, kept across retries
            w.seq = ++seq;
        }
        attemptWrite(w, w.command.withSession(w.session, w.seq));
    }

    private void openSession(Runnable then) {
        if (cluster.sessionRule() == SessionRule.IMPLICIT_UNSAFE) {
            // Control runs only: an id of the client's own; its first write will create the session.
            opened(((long) (id + 1) << 24) + ++implicitSessions);
            then.run();
            return;
        }
        attemptRegister(then);
    }

    private void opened(long sessionId) {
        session = sessionId;
        seq = 0;
        sessionsOpened++;
    }

    private void attemptRegister(Runnable then) {
        if (pending == null) {
            return;
        }
        KvService s = server();
        if (s == null || requestLost()) {
            retryElsewhere(() -> attemptRegister(then));
            return;
        }
        // A registration whose answer is lost opens a session nobody uses; it expires. Registering again is safe.
        settle(s.openSession(Duration.ofMillis(ATTEMPT_MILLIS)), (sessionId, e) -> {
            if (e == null) {
                opened(sessionId);
                then.run();
            } else if (e instanceof NotLeaderException nl) {
                follow(nl);
                retryLater(() -> attemptRegister(then));
            } else {
                retryElsewhere(() -> attemptRegister(then));
            }
        }, () -> attemptRegister(then));
    }

    /** The cluster no longer holds {@code w}'s session: nothing was applied now. */
    private void sessionExpired(PendingWrite w) {
        expiredRefusals++;
        if (session == w.session) {
            session = 0; // the next write opens a new one
        }
        if (w.maybeApplied) {
            // An earlier try may have applied, and no session remembers: applied once or never, nobody can tell.
            unknownOutcomes++;
            finishUnknown();
            w.done.accept(WriteOutcome.UNKNOWN);
        } else {
            send(w); // certainly nothing applied: the same write, on a new session
        }
    }

    // ------------------------------------------------------------------ tries

    private void attemptWrite(PendingWrite w, KvCommand cmd) {
        if (pending == null) {
            return; // abandoned
        }
        KvService s = server();
        if (s == null || requestLost()) {
            retryElsewhere(() -> attemptWrite(w, cmd));
            return;
        }
        int node = redirect >= 0 ? redirect : servers[target];
        settle(s.write(cmd, Duration.ofMillis(ATTEMPT_MILLIS)), (r, e) -> {
            if (e == null && (r.status() == KvResult.Status.OK || (w.anyStatus && r.status() != KvResult.Status.SESSION_EXPIRED
                    && r.status() != KvResult.Status.STALE_REQUEST && r.status() != KvResult.Status.MALFORMED))) {
                w.result = r;
                KvModel.Input in = pending.input();
                long call = pending.callNanos();
                finish(w.output.apply(r));
                if (r.status() == KvResult.Status.OK) {
                    writeObserver.accept(new Acknowledged(id, in, w.command, r, call, cluster.simulation().nowNanos(), node));
                }
                w.done.accept(WriteOutcome.OK);
            } else if (e == null && r.status() == KvResult.Status.SESSION_EXPIRED && sessions) {
                sessionExpired(w);
            } else if (e == null) {
                fail("client " + id + ": unexpected " + r + " for " + cmd);
            } else if (e instanceof NotLeaderException nl) {
                follow(nl); // refused before it was proposed: nothing applied
                retryLater(() -> attemptWrite(w, cmd));
            } else {
                // Lost leadership, timed out, or the node stopped: the outcome is unknown; retry with the same
                // sequence number, which the session turns into the original answer if it was applied.
                w.maybeApplied = true;
                retryElsewhere(() -> attemptWrite(w, cmd));
            }
        }, () -> {
            w.maybeApplied = true; // the request reached a node and no answer came back
            attemptWrite(w, cmd);
        });
    }

    private void attemptRead(String key, Consistency consistency, KvModel.Input in, Consumer<String> done) {
        if (pending == null) {
            return;
        }
        KvService s = server();
        if (s == null || requestLost()) {
            retryElsewhere(() -> attemptRead(key, consistency, in, done));
            return;
        }
        settle(s.get(key, consistency, Duration.ofMillis(ATTEMPT_MILLIS)), (v, e) -> {
            if (e == null) {
                String value = v.map(x -> new String(x.value(), StandardCharsets.UTF_8)).orElse("");
                finish(value);
                done.accept(value);
            } else if (e instanceof NotLeaderException nl) {
                follow(nl);
                retryLater(() -> attemptRead(key, consistency, in, done));
            } else {
                retryElsewhere(() -> attemptRead(key, consistency, in, done));
            }
        }, () -> attemptRead(key, consistency, in, done));
    }

    private void attemptRange(String prefix, Consistency consistency, Consumer<SortedMap<String, String>> done) {
        if (pending == null) {
            return;
        }
        KvService s = server();
        if (s == null || requestLost()) {
            retryElsewhere(() -> attemptRange(prefix, consistency, done));
            return;
        }
        settle(s.read(consistency, Duration.ofMillis(ATTEMPT_MILLIS)), (v, e) -> {
            if (e == null) {
                SortedMap<String, String> seen = pages(v, prefix);
                long call = pending.callNanos();
                finish(KvModel.rangeOutput(seen));
                readObserver.accept(new RangeRead(id, prefix, v.revision(), seen, call, cluster.simulation().nowNanos()));
                done.accept(seen);
            } else if (e instanceof NotLeaderException nl) {
                follow(nl);
                retryLater(() -> attemptRange(prefix, consistency, done));
            } else {
                retryElsewhere(() -> attemptRange(prefix, consistency, done));
            }
        }, () -> attemptRange(prefix, consistency, done));
    }

    /** Everything under {@code prefix} in view {@code v}, read two keys a page (pages in key order, 'after' exclusive). */
    private SortedMap<String, String> pages(KvView v, String prefix) {
        SortedMap<String, String> seen = new TreeMap<>();
        String after = null;
        while (true) {
            KvView.Page page = v.page(prefix, after, 2);
            if (page.revision() != v.revision()) {
                fail("client " + id + ": a page of view " + v.revision() + " claims revision " + page.revision());
            }
            for (Map.Entry<String, Versioned> e : page.items()) {
                if (!e.getKey().startsWith(prefix) || (after != null && e.getKey().compareTo(after) <= 0)
                        || seen.put(e.getKey(), new String(e.getValue().value(), StandardCharsets.UTF_8)) != null) {
                    fail("client " + id + ": page after '" + after + "' of prefix '" + prefix + "' holds " + e.getKey());
                }
                after = e.getKey();
            }
            if (!page.more()) {
                return seen;
            }
            if (page.items().isEmpty()) {
                fail("client " + id + ": an empty page of prefix '" + prefix + "' says more follow");
                return seen;
            }
        }
    }

    /** Fails the scenario from a simulation event (a throw in a future's callback would be swallowed). */
    private void fail(String message) {
        AssertionError error = new AssertionError(message);
        cluster.simulation().schedule(0, "client " + id + " failed", () -> {
            throw error;
        });
    }

    /**
     * Waits for {@code f}, but at most {@link #ATTEMPT_MILLIS} plus a margin of virtual time: a crashed node's
     * futures never complete. Exactly one of {@code onResult} and {@code onGiveUp} runs.
     */
    private <T> void settle(CompletableFuture<T> f, java.util.function.BiConsumer<T, Throwable> onResult, Runnable onGiveUp) {
        // As the course's network: on an unreliable one, 10 % of requests and 10 % of replies are lost. A lost
        // reply after the request took effect is what makes a retried write apply twice without sessions.
        boolean replyLost = cluster.unreliable() && cluster.random().nextInt(10) == 0;
        boolean[] settled = {replyLost};
        if (replyLost) {
            cluster.simulation().schedule((ATTEMPT_MILLIS + 200) * 1_000_000L, "client " + id + " gives up", () -> {
                nextServer();
                onGiveUp.run();
            });
            return;
        }
        Event timer = cluster.simulation().schedule((ATTEMPT_MILLIS + 200) * 1_000_000L, "client " + id + " gives up", () -> {
            if (!settled[0]) {
                settled[0] = true;
                nextServer();
                onGiveUp.run();
            }
        });
        f.whenComplete((v, e) -> {
            if (settled[0] || isCutOff()) {
                return; // an answer to a client that is cut off is lost: the timer gives up
            }
            settled[0] = true;
            timer.cancel();
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            onResult.accept(v, cause);
        });
    }

    private boolean requestLost() {
        return isCutOff() || (cluster.unreliable() && cluster.random().nextInt(10) == 0);
    }

    private void follow(NotLeaderException e) {
        Optional<String> leader = e.leaderId();
        int node = leader.isPresent() && leader.get().startsWith("n") ? Integer.parseInt(leader.get().substring(1)) : -1;
        int hinted = node < 0 ? -1 : indexOf(node);
        if (hinted >= 0) {
            redirect = -1;
            target = hinted;
        } else if (node >= 0) {
            redirect = node; // a leader this client was not given: follow the redirect, as HTTP clients do
        } else {
            nextServer();
        }
    }

    private int indexOf(int node) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] == node) {
                return i;
            }
        }
        return -1;
    }

    private void retryElsewhere(Runnable retry) {
        nextServer();
        retryLater(retry);
    }

    private void retryLater(Runnable retry) {
        cluster.simulation().schedule(10_000_000L, "client " + id + " retries", retry);
    }
}
