package io.tally.testkit.scenarios;

import io.tally.testkit.harness.ApplyRecorder;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/** SCENARIOS.md, Persistence and hostile networks (course 3C), in the simulator, one run per seed. */
class PersistenceScenariosTest {

    /** The course's RaftElectionTimeout. */
    static final long ELECTION_TIMEOUT_MS = 1000;

    /** The course's whole-scenario limit. */
    static final long SCENARIO_LIMIT_MS = 120_000;

    /** The course's rand.Int(): a non-negative random number. */
    static long randInt(Cluster cfg) {
        return cfg.random().nextLong() & Long.MAX_VALUE;
    }

    static void checkTimeout(Cluster cfg, long t0) {
        long took = cfg.clock().nowMillis() - t0;
        if (took > SCENARIO_LIMIT_MS) {
            throw fatal("test took longer than 120 seconds (" + took + " ms)");
        }
    }

    /** Three nodes: crash and restart all, the leader, the leader while behind, a follower while behind. */
    static void persist1(Cluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();

        cfg.one(Commands.of(11), servers, true);

        // crash and re-start all
        for (int i = 0; i < servers; i++) {
            cfg.start(i);
        }
        for (int i = 0; i < servers; i++) {
            cfg.disconnect(i);
            cfg.connect(i);
        }

        cfg.one(Commands.of(12), servers, true);

        int leader1 = cfg.checkOneLeader();
        cfg.disconnect(leader1);
        cfg.start(leader1);
        cfg.connect(leader1);

        cfg.one(Commands.of(13), servers, true);

        int leader2 = cfg.checkOneLeader();
        cfg.disconnect(leader2);
        cfg.one(Commands.of(14), servers - 1, true);
        cfg.start(leader2);
        cfg.connect(leader2);

        cfg.waitCommitted(4, servers, -1); // wait for leader2 to join before killing i3

        int i3 = (cfg.checkOneLeader() + 1) % servers;
        cfg.disconnect(i3);
        cfg.one(Commands.of(15), servers - 1, true);
        cfg.start(i3);
        cfg.connect(i3);

        cfg.one(Commands.of(16), servers, true);
        checkTimeout(cfg, t0);
    }

    /** Five nodes, five rounds of crashing and restarting in the course's order; nothing committed lost. */
    static void persist2(Cluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();

        int index = 1;
        for (int iters = 0; iters < 5; iters++) {
            cfg.one(Commands.of(10 + index), servers, true);
            index++;

            int leader1 = cfg.checkOneLeader();

            cfg.disconnect((leader1 + 1) % servers);
            cfg.disconnect((leader1 + 2) % servers);

            cfg.one(Commands.of(10 + index), servers - 2, true);
            index++;

            cfg.disconnect((leader1 + 0) % servers);
            cfg.disconnect((leader1 + 3) % servers);
            cfg.disconnect((leader1 + 4) % servers);

            cfg.start((leader1 + 1) % servers);
            cfg.start((leader1 + 2) % servers);
            cfg.connect((leader1 + 1) % servers);
            cfg.connect((leader1 + 2) % servers);

            cfg.sleep(ELECTION_TIMEOUT_MS);

            cfg.start((leader1 + 3) % servers);
            cfg.connect((leader1 + 3) % servers);

            cfg.one(Commands.of(10 + index), servers - 2, true);
            index++;

            cfg.connect((leader1 + 4) % servers);
            cfg.connect((leader1 + 0) % servers);
        }

        cfg.one(Commands.of(1000), servers, true);
        checkTimeout(cfg, t0);
    }

    /** Three nodes: partitioned leader and one follower crash, the leader restarts. */
    static void persist3(Cluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();

        cfg.one(Commands.of(101), 3, true);

        int leader = cfg.checkOneLeader();
        cfg.disconnect((leader + 2) % servers);

        cfg.one(Commands.of(102), 2, true);

        cfg.crash((leader + 0) % servers);
        cfg.crash((leader + 1) % servers);
        cfg.connect((leader + 2) % servers);
        cfg.start((leader + 0) % servers);
        cfg.connect((leader + 0) % servers);

        cfg.one(Commands.of(103), 2, true);

        cfg.start((leader + 1) % servers);
        cfg.connect((leader + 1) % servers);

        cfg.one(Commands.of(104), servers, true);
        checkTimeout(cfg, t0);
    }

    /** The course's sleep between Figure 8 iterations: 0–12 ms, 10 % of the time 0–499 ms. */
    static void figure8Sleep(Cluster cfg) {
        if (cfg.random().nextInt(1000) < 100) {
            cfg.sleep(cfg.random().nextInt((int) (ELECTION_TIMEOUT_MS / 2)));
        } else {
            cfg.sleep(cfg.random().nextInt(13));
        }
    }

    /** Five nodes, reliable: 1000 iterations of proposing everywhere, then crashing the leader; >= 3 kept up. */
    static void figure8(Cluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();

        cfg.one(Commands.of(randInt(cfg)), 1, true);

        int nup = servers;
        for (int iters = 0; iters < 1000; iters++) {
            int leader = -1;
            for (int i = 0; i < servers; i++) {
                if (cfg.isUp(i)) {
                    CompletableFuture<Long> f = cfg.startCommand(i, Commands.of(randInt(cfg)));
                    if (f != null) {
                        leader = i;
                    }
                }
            }

            figure8Sleep(cfg);

            if (leader != -1) {
                cfg.crash(leader);
                nup -= 1;
            }

            if (nup < 3) {
                int s = cfg.random().nextInt(servers);
                if (!cfg.isUp(s)) {
                    cfg.start(s);
                    cfg.connect(s);
                    nup += 1;
                }
            }
        }

        for (int i = 0; i < servers; i++) {
            if (!cfg.isUp(i)) {
                cfg.start(i);
                cfg.connect(i);
            }
        }

        cfg.one(Commands.of(randInt(cfg)), servers, true);
        checkTimeout(cfg, t0);
    }

    /** Five nodes, unreliable: 49 rounds of five concurrent proposals (four in the background). */
    static void unreliableAgree(SimCluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();
        cfg.setUnreliable(true);

        List<CompletableFuture<Long>> background = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int iters = 1; iters < 50; iters++) {
            for (int j = 0; j < 4; j++) {
                long v = 100L * iters + j;
                background.add(cfg.oneAsync(Commands.of(v), 1, true));
                names.add("one(" + v + ")");
            }
            cfg.one(Commands.of(iters), 1, true);
        }

        cfg.setUnreliable(false);

        for (int k = 0; k < background.size(); k++) {
            cfg.await(background.get(k), 15_000, names.get(k));
        }

        cfg.one(Commands.of(100), servers, true);
        checkTimeout(cfg, t0);
    }

    /** Five nodes, unreliable, long reordering from iteration 200: 1000 iterations disconnecting the leader half the time. */
    static void figure8Unreliable(SimCluster cfg) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();
        cfg.setUnreliable(true);

        cfg.one(Commands.of(cfg.random().nextInt(10000)), 1, true);

        int nup = servers;
        for (int iters = 0; iters < 1000; iters++) {
            if (iters == 200) {
                cfg.setLongReordering(true);
            }
            int leader = -1;
            for (int i = 0; i < servers; i++) {
                CompletableFuture<Long> f = cfg.startCommand(i, Commands.of(cfg.random().nextInt(10000)));
                if (f != null && cfg.isConnected(i)) {
                    leader = i;
                }
            }

            figure8Sleep(cfg);

            if (leader != -1 && cfg.random().nextInt(1000) < (int) (ELECTION_TIMEOUT_MS / 2)) {
                cfg.disconnect(leader);
                nup -= 1;
            }

            if (nup < 3) {
                int s = cfg.random().nextInt(servers);
                if (!cfg.isConnected(s)) {
                    cfg.connect(s);
                    nup += 1;
                }
            }
        }

        for (int i = 0; i < servers; i++) {
            if (!cfg.isConnected(i)) {
                cfg.connect(i);
            }
        }

        cfg.one(Commands.of(cfg.random().nextInt(10000)), servers, true);
        checkTimeout(cfg, t0);
    }

    /** Back-off of a churn client polling for its value, as in the course. */
    private static final long[] CLIENT_BACKOFF_MS = {10, 20, 50, 100, 200};

    /**
     * One of the course's churn clients, driven by clock callbacks: propose x on every up node, poll for up to
     * ~380 ms whether one of those proposals was applied, record x if so; if no node accepted, wait
     * 79 + me * 17 ms. Ends at its next step once {@link #stop} is set.
     */
    static final class ChurnClient {

        final Cluster cfg;
        final int me;
        final List<Long> values = new ArrayList<>();
        final CompletableFuture<List<Long>> done = new CompletableFuture<>();
        boolean stop;

        ChurnClient(Cluster cfg, int me) {
            this.cfg = cfg;
            this.me = me;
        }

        void step() {
            if (stop) {
                done.complete(values);
                return;
            }
            long x = randInt(cfg);
            byte[] cmd = Commands.of(x);
            List<CompletableFuture<Long>> proposals = new ArrayList<>();
            for (int i = 0; i < cfg.size(); i++) {
                // try them all, maybe one of them is a leader
                if (cfg.isUp(i)) {
                    CompletableFuture<Long> f = cfg.startCommand(i, cmd);
                    if (f != null) {
                        proposals.add(f);
                    }
                }
            }
            if (proposals.isEmpty()) {
                cfg.clock().after(79 + me * 17L, this::step);
            } else {
                // maybe a leader will commit our value, maybe not; but don't wait forever.
                poll(x, cmd, proposals, 0);
            }
        }

        void poll(long x, byte[] cmd, List<CompletableFuture<Long>> proposals, int k) {
            boolean allFailed = true;
            for (CompletableFuture<Long> f : proposals) {
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    long index = f.join();
                    ApplyRecorder.CommitCount c = cfg.nCommitted(index);
                    if (c.count() < 1 || !Arrays.equals(c.command(), cmd)) {
                        throw fatal("client " + me + ": proposal of " + x + " completed with command index " + index
                                + " but the harness saw " + c.count() + " node(s) apply " + Commands.describe(c.command())
                                + " there");
                    }
                    values.add(x);
                    step();
                    return;
                }
                if (!f.isDone()) {
                    allFailed = false;
                }
            }
            if ((allFailed && k > 0) || k == CLIENT_BACKOFF_MS.length) {
                // none of our proposals can still succeed, or we waited long enough
                step();
                return;
            }
            cfg.clock().after(CLIENT_BACKOFF_MS[k], () -> poll(x, cmd, proposals, k + 1));
        }
    }

    /** Five nodes, three clients; 20 rounds of random disconnects, restarts and crashes; nothing a client saw committed is lost. */
    static void churn(SimCluster cfg, boolean unreliable) {
        long t0 = cfg.clock().nowMillis();
        int servers = cfg.size();
        cfg.setUnreliable(unreliable);

        int ncli = 3;
        List<ChurnClient> clients = new ArrayList<>();
        for (int i = 0; i < ncli; i++) {
            ChurnClient c = new ChurnClient(cfg, i);
            clients.add(c);
            cfg.clock().after(0, c::step);
        }

        for (int iters = 0; iters < 20; iters++) {
            if (cfg.random().nextInt(1000) < 200) {
                int i = cfg.random().nextInt(servers);
                cfg.disconnect(i);
            }

            if (cfg.random().nextInt(1000) < 500) {
                int i = cfg.random().nextInt(servers);
                if (!cfg.isUp(i)) {
                    cfg.start(i);
                }
                cfg.connect(i);
            }

            if (cfg.random().nextInt(1000) < 200) {
                int i = cfg.random().nextInt(servers);
                if (cfg.isUp(i)) {
                    cfg.crash(i);
                }
            }

            // Crash/restart infrequent enough that the peers can often keep up, but not so infrequent that
            // everything has settled down from one change to the next.
            cfg.sleep(ELECTION_TIMEOUT_MS * 7 / 10);
        }

        cfg.sleep(ELECTION_TIMEOUT_MS);
        cfg.setUnreliable(false);
        for (int i = 0; i < servers; i++) {
            if (!cfg.isUp(i)) {
                cfg.start(i);
            }
            cfg.connect(i);
        }

        for (ChurnClient c : clients) {
            c.stop = true;
        }

        List<Long> values = new ArrayList<>();
        for (ChurnClient c : clients) {
            values.addAll(cfg.await(c.done, 10_000, "client " + c.me));
        }

        cfg.sleep(ELECTION_TIMEOUT_MS);

        long lastIndex = cfg.one(Commands.of(randInt(cfg)), servers, true);

        Set<Long> really = new HashSet<>();
        for (long index = 1; index <= lastIndex; index++) {
            byte[] v = cfg.waitCommitted(index, servers, -1);
            if (!Commands.isNumeric(v)) {
                throw fatal("not an int at command index " + index + ": " + Commands.describe(v));
            }
            really.add(Commands.value(v));
        }

        for (long v1 : values) {
            if (!really.contains(v1)) {
                throw fatal("didn't find a value: " + v1 + " was seen committed but is not in the final log of "
                        + lastIndex + " commands");
            }
        }
        checkTimeout(cfg, t0);
    }

    static void reliableChurn(SimCluster cfg) {
        churn(cfg, false);
    }

    static void unreliableChurn(SimCluster cfg) {
        churn(cfg, true);
    }

    @TestFactory
    Stream<DynamicTest> Persist1() {
        return Seeds.each(getClass(), "Persist1", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                persist1(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Persist2() {
        return Seeds.each(getClass(), "Persist2", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                persist2(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Persist3() {
        return Seeds.each(getClass(), "Persist3", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                persist3(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Figure8() {
        return Seeds.each(getClass(), "Figure8", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                figure8(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> UnreliableAgree() {
        return Seeds.each(getClass(), "UnreliableAgree", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                unreliableAgree(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Figure8Unreliable() {
        return Seeds.each(getClass(), "Figure8Unreliable", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                figure8Unreliable(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> ReliableChurn() {
        return Seeds.each(getClass(), "ReliableChurn", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                reliableChurn(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> UnreliableChurn() {
        return Seeds.each(getClass(), "UnreliableChurn", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                unreliableChurn(c);
            }
        });
    }
}
