package io.tally.testkit.kv;

import io.tally.kv.Consistency;
import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.kv.SessionRule;
import io.tally.raft.NotLeaderException;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.Operation;
import io.tally.testkit.sim.Event;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

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

    private record Pending(KvModel.Input input, long callNanos) {
    }

    /** A write in flight: the command without its session, which it gets (again) when it is sent. */
    private static final class PendingWrite {
        final KvCommand command;
        final Consumer<WriteOutcome> done;
        long session;
        long seq;
        boolean maybeApplied;

        PendingWrite(KvCommand command, Consumer<WriteOutcome> done) {
            this.command = command;
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
        write(KvCommand.append(key, value.getBytes(StandardCharsets.UTF_8)), KvModel.Input.append(key, value), done);
    }

    /** A put whose outcome must be known: an {@link WriteOutcome#UNKNOWN} fails the scenario. */
    public void put(String key, String value, Runnable done) {
        write(KvCommand.put(key, value.getBytes(StandardCharsets.UTF_8)), KvModel.Input.put(key, value), expectKnown(done));
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

    private void write(KvCommand command, KvModel.Input in, Consumer<WriteOutcome> done) {
        begin(in);
        send(new PendingWrite(command, done));
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
            if (pending.input().kind() != KvModel.Kind.GET) {
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
        settle(s.write(cmd, Duration.ofMillis(ATTEMPT_MILLIS)), (r, e) -> {
            if (e == null && r.status() == KvResult.Status.OK) {
                finish("ok");
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
