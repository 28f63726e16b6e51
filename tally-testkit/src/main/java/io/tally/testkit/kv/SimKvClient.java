package io.tally.testkit.kv;

import io.tally.kv.Consistency;
import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.kv.KvService;
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
 * Writes carry this client's session and keep their sequence number across retries, so a write whose answer
 * was lost, or whose outcome was unknown, is applied at most once. Every operation is recorded in a shared
 * history (virtual call and return times) for the linearizability checker; an operation still unanswered
 * when the scenario ends is recorded with an unknown outcome.
 */
public final class SimKvClient {

    /** How long one try may take before the client gives up on that node (its answer may never come). */
    static final long ATTEMPT_MILLIS = 1000;

    private final KvSimCluster cluster;
    private final int id;
    private final String session;
    private final List<Operation<KvModel.Input, String>> history;
    private final boolean sessions;
    private long seq;
    private final int[] servers; // the nodes this client may talk to
    private int target;          // index into servers
    private int redirect = -1;   // a leader outside servers that a node named; followed like a redirect
    private Pending pending; // the operation in flight, if any

    private record Pending(KvModel.Input input, long callNanos) {
    }

    /**
     * @param sessions whether writes carry the session (switching it off shows what it prevents: a retried
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
        this.session = "client-" + id;
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

    public void append(String key, String value, Runnable done) {
        write(KvCommand.append(key, value.getBytes(StandardCharsets.UTF_8)), KvModel.Input.append(key, value), done);
    }

    public void put(String key, String value, Runnable done) {
        write(KvCommand.put(key, value.getBytes(StandardCharsets.UTF_8)), KvModel.Input.put(key, value), done);
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

    private void write(KvCommand command, KvModel.Input in, Runnable done) {
        KvCommand cmd = sessions ? command.withSession(session, ++seq) : command;
        begin(in);
        attemptWrite(cmd, in, done);
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

    /** Records an operation still in flight as of unknown outcome (for the end of a scenario). */
    public void abandon() {
        if (pending != null) {
            if (pending.input().kind() != KvModel.Kind.GET) {
                history.add(Operation.unknown(id, pending.input(), pending.callNanos()));
            }
            pending = null;
        }
    }

    private void attemptWrite(KvCommand cmd, KvModel.Input in, Runnable done) {
        if (pending == null) {
            return; // abandoned
        }
        KvService s = server();
        if (s == null || requestLost()) {
            retryElsewhere(() -> attemptWrite(cmd, in, done));
            return;
        }
        settle(s.write(cmd, Duration.ofMillis(ATTEMPT_MILLIS)), (r, e) -> {
            if (e == null && r.status() == KvResult.Status.OK) {
                finish("ok");
                done.run();
            } else if (e == null) {
                // Thrown from a simulation event, not from the future's callback (which would swallow it).
                AssertionError unexpected = new AssertionError("client " + id + ": unexpected " + r + " for " + cmd);
                cluster.simulation().schedule(0, "client " + id + " got an unexpected result", () -> {
                    throw unexpected;
                });
            } else if (e instanceof NotLeaderException nl) {
                follow(nl);
                retryLater(() -> attemptWrite(cmd, in, done));
            } else {
                // Lost leadership, timed out, or the node stopped: the outcome is unknown; retry with the same
                // sequence number, which the session turns into the original answer if it was applied.
                retryElsewhere(() -> attemptWrite(cmd, in, done));
            }
        }, () -> attemptWrite(cmd, in, done));
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
            if (settled[0]) {
                return;
            }
            settled[0] = true;
            timer.cancel();
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            onResult.accept(v, cause);
        });
    }

    private boolean requestLost() {
        return cluster.unreliable() && cluster.random().nextInt(10) == 0;
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
