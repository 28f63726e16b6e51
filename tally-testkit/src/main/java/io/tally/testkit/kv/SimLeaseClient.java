package io.tally.testkit.kv;

import io.tally.kv.KvCommand;
import io.tally.kv.KvResult;
import io.tally.kv.KvService;
import io.tally.kv.LeaseNotFoundException;
import io.tally.raft.NotLeaderException;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.Operation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;
import java.util.random.RandomGenerator;

/**
 * A simulated client that holds leases, one after another (etcd's lease keep-alive loop): it grants a lease of a
 * random TTL, attaches one to three keys to it ({@code L<client>/<n>/a}, …), keeps it alive every TTL/3 on whichever
 * node leads (following not-leader hints, trying the next node after a failure), and after a random holding time
 * either revokes it or stops keeping it alive and lets it expire; once the lease has ended (as the log shows) it
 * starts the next one. Grants, puts and revocations go through a {@link SimKvClient} with a session (exactly once);
 * keep-alives go straight to {@link KvService#keepAlive}. Every success is reported to the {@link LeaseChecker} with
 * the acknowledging node and that node's clock reading at that moment.
 */
public final class SimLeaseClient {

    /** How long a keep-alive may wait for its answer before the client tries another node. */
    static final long KEEPALIVE_TIMEOUT_MILLIS = 1_500;

    private final KvSimCluster c;
    private final int id;
    private final LeaseChecker checker;
    private final RandomGenerator rnd;
    private final SimKvClient writer;
    private final long minTtlMillis;
    private final long maxTtlMillis;
    private SimKvClient.Acknowledged lastWrite;
    private IntConsumer keepAliveSent = n -> { };
    private java.util.function.Predicate<LeaseChecker.Ack> stopAfter = a -> false;
    private boolean ending;
    private boolean stopped;
    private int target;
    private int cycles;
    private int keepAlives;
    private int keepAliveFailures;
    private int notFound;
    private long lease;
    private long ttlMillis;
    private boolean keeping;
    private long holdUntilNanos;
    private boolean revoke;

    /**
     * @param minTtlMillis shortest TTL asked for (at least the store's minimum, 2 s by default)
     * @param maxTtlMillis longest TTL asked for
     */
    public SimLeaseClient(KvSimCluster c, int id, LeaseChecker checker, long minTtlMillis, long maxTtlMillis) {
        this.c = c;
        this.id = id;
        this.checker = checker;
        this.rnd = c.simulation().newRandom();
        List<Operation<KvModel.Input, String>> unchecked = new ArrayList<>(); // leases are not in the key/value model
        this.writer = new SimKvClient(c, 500 + id, unchecked, true).observeWrites(a -> lastWrite = a);
        this.minTtlMillis = minTtlMillis;
        this.maxTtlMillis = maxTtlMillis;
        this.target = id % c.size();
    }

    /** Runs {@code hook} with the node index each time a keep-alive is sent (scenarios steer faults with it). */
    public SimLeaseClient onKeepAliveSent(IntConsumer hook) {
        this.keepAliveSent = hook;
        return this;
    }

    /**
     * After each acknowledged keep-alive, {@code stop} decides whether that was the last one: the client then stops
     * keeping the lease alive and lets it expire (scenarios steer the last keep-alive to moments that test the rule).
     */
    public SimLeaseClient stopAfter(java.util.function.Predicate<LeaseChecker.Ack> stop) {
        this.stopAfter = stop;
        return this;
    }

    public SimLeaseClient start() {
        cycle();
        return this;
    }

    /** Stops after the current lease (which is revoked or left to expire as planned). */
    public void stop() {
        stopped = true;
        holdUntilNanos = Math.min(holdUntilNanos, c.simulation().nowNanos());
    }

    /** Whether the client is done: stopped, and its last lease has ended. */
    public boolean idle() {
        return stopped && !keeping && (lease == 0 || checker.ended(lease)) && !writer.busy();
    }

    private void cycle() {
        if (stopped) {
            return;
        }
        cycles++;
        ending = false;
        ttlMillis = minTtlMillis + rnd.nextLong(maxTtlMillis - minTtlMillis + 1);
        writer.write(KvCommand.grantLease(ttlMillis), KvModel.Input.put("lease", "grant"), r -> {
            if (r.status() != KvResult.Status.OK) {
                fail("client " + id + ": a lease grant answered " + r);
                return;
            }
            lease = r.revision();
            SimKvClient.Acknowledged by = lastWrite;
            checker.granted(lease, ttlMillis, ack("grant", by.node()));
            keeping = true;
            holdUntilNanos = c.simulation().nowNanos() + (ttlMillis / 2 + rnd.nextLong(2 * ttlMillis)) * 1_000_000L;
            revoke = rnd.nextInt(4) == 0;
            keepAliveLater();
            putKeys(1 + rnd.nextInt(3), 0);
        });
    }

    private LeaseChecker.Ack ack(String what, int node) {
        KvSimCluster.NodeClock clock = c.clock(node);
        KvService s = c.service(node);
        return new LeaseChecker.Ack(lease, what, node, clock, clock.now(), c.simulation().nowNanos(),
                s == null ? -1 : s.node().term());
    }

    private void putKeys(int n, int done) {
        if (done == n) {
            return;
        }
        String key = "L" + id + "/" + cycles + "/" + (char) ('a' + done);
        long l = lease;
        writer.write(KvCommand.put(key, ("v" + done).getBytes(StandardCharsets.UTF_8)).withLease(l),
                KvModel.Input.put(key, "leased"), r -> {
                    if (r.status() == KvResult.Status.LEASE_NOT_FOUND) {
                        stopKeeping(); // it ended already (the grant or a put waited out the TTL): nothing to keep
                        afterEnd();
                        return;
                    }
                    if (r.status() != KvResult.Status.OK) {
                        fail("client " + id + ": a leased put answered " + r);
                        return;
                    }
                    putKeys(n, done + 1);
                });
    }

    private void keepAliveLater() {
        c.simulation().schedule(ttlMillis / 3 * 1_000_000L, "lease client " + id + " keeps alive", this::keepAliveRound);
    }

    private void keepAliveRound() {
        if (!keeping) {
            return;
        }
        if (c.simulation().nowNanos() >= holdUntilNanos) {
            stopKeeping();
            if (revoke) {
                writer.write(KvCommand.revokeLease(lease), KvModel.Input.put("lease", "revoke"), r -> afterEnd());
            } else {
                afterEnd();
            }
            return;
        }
        attemptKeepAlive();
    }

    private void stopKeeping() {
        if (keeping) {
            keeping = false;
            checker.stopped(lease);
        }
    }

    /** Waits until the log shows the lease ended, then starts the next one (once per lease). */
    private void afterEnd() {
        if (ending) {
            return;
        }
        ending = true;
        awaitEnd();
    }

    private void awaitEnd() {
        if (checker.ended(lease)) {
            c.simulation().schedule(rnd.nextInt(300) * 1_000_000L, "lease client " + id + " next lease", this::cycle);
        } else {
            c.simulation().schedule(100_000_000L, "lease client " + id + " waits for the end", this::awaitEnd);
        }
    }

    private void attemptKeepAlive() {
        if (!keeping) {
            return;
        }
        KvService s = c.service(target);
        if (s == null) {
            nextTarget();
            c.simulation().schedule(10_000_000L, "lease client " + id + " retries", this::attemptKeepAlive);
            return;
        }
        int node = target;
        long l = lease;
        keepAliveSent.accept(node);
        CompletableFuture<Duration> f = s.keepAlive(l, Duration.ofMillis(KEEPALIVE_TIMEOUT_MILLIS));
        boolean[] settled = {false};
        io.tally.testkit.sim.Event timer = c.simulation().schedule((KEEPALIVE_TIMEOUT_MILLIS + 200) * 1_000_000L,
                "lease client " + id + " gives up", () -> {
                    if (!settled[0]) {
                        settled[0] = true;
                        keepAliveFailures++;
                        nextTarget();
                        attemptKeepAlive();
                    }
                });
        f.whenComplete((ttl, e) -> {
            if (settled[0]) {
                return;
            }
            settled[0] = true;
            timer.cancel();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (l != lease || !keeping) {
                return;
            }
            if (cause == null) {
                keepAlives++;
                LeaseChecker.Ack a = ack("keep-alive", node);
                checker.acknowledged(a);
                if (stopAfter.test(a)) {
                    stopKeeping();
                    afterEnd();
                } else {
                    keepAliveLater();
                }
            } else if (cause instanceof LeaseNotFoundException) {
                notFound++;
                stopKeeping();
                afterEnd();
            } else if (cause instanceof NotLeaderException nl) {
                follow(nl);
                c.simulation().schedule(10_000_000L, "lease client " + id + " follows the leader", this::attemptKeepAlive);
            } else {
                keepAliveFailures++;
                nextTarget();
                c.simulation().schedule(10_000_000L, "lease client " + id + " retries", this::attemptKeepAlive);
            }
        });
    }

    private void fail(String message) {
        AssertionError error = new AssertionError(message);
        c.simulation().schedule(0, "lease client " + id + " failed", () -> {
            throw error;
        });
    }

    private void follow(NotLeaderException e) {
        Optional<String> leader = e.leaderId();
        if (leader.isPresent() && leader.get().startsWith("n")) {
            target = Integer.parseInt(leader.get().substring(1));
        } else {
            nextTarget();
        }
    }

    private void nextTarget() {
        target = (target + 1) % c.size();
    }

    @Override
    public String toString() {
        return "lease client " + id + ": " + cycles + " leases, " + keepAlives + " keep-alives acknowledged, "
                + keepAliveFailures + " failed tries, " + notFound + " lease-not-found";
    }
}
