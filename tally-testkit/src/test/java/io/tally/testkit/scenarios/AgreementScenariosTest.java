package io.tally.testkit.scenarios;

import io.tally.raft.node.RaftNode;
import io.tally.testkit.harness.Cluster;
import io.tally.testkit.harness.Commands;
import io.tally.testkit.harness.SimCluster;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.tally.testkit.harness.Cluster.fatal;

/**
 * SCENARIOS.md, Agreement (course 3B), in the simulator, one run per seed. Indexes are command indexes (the
 * position of a command among applied commands, 1-based), so the course's index checks apply unchanged;
 * where the course compares the index Start() returns, the result of {@link Cluster#startCommand}'s future
 * is compared once it has completed.
 */
class AgreementScenariosTest {

    /** The course's RaftElectionTimeout. */
    static final long ELECTION_TIMEOUT_MS = 1000;

    /** Three commands commit at command indexes 1, 2, 3; nothing is committed at an index before it is offered. */
    static void basicAgree(Cluster cfg) {
        int servers = cfg.size();
        int iters = 3;
        for (long index = 1; index < iters + 1; index++) {
            int nd = cfg.nCommitted(index).count();
            if (nd > 0) {
                throw fatal("some have committed before Start()");
            }
            long xindex = cfg.one(Commands.of(index * 100), servers, false);
            if (xindex != index) {
                throw fatal("got index " + xindex + " but expected " + index);
            }
        }
    }

    /** Ten 5000-byte commands: total bytes sent at most servers × payload + 50 000 (each entry sent once). */
    static void rpcBytes(Cluster cfg) {
        int servers = cfg.size();
        cfg.one(Commands.of(99), servers, false);
        long bytes0 = cfg.bytesTotal();
        int iters = 10;
        long sent = 0;
        for (long index = 2; index < iters + 2; index++) {
            byte[] cmd = new byte[5000];
            cfg.random().nextBytes(cmd);
            long xindex = cfg.one(cmd, servers, false);
            if (xindex != index) {
                throw fatal("got index " + xindex + " but expected " + index);
            }
            sent += cmd.length;
        }
        long bytes1 = cfg.bytesTotal();
        long got = bytes1 - bytes0;
        long expected = (long) servers * sent;
        if (!budgetsHold(cfg)) {
            System.out.println("RPCBytes (real time, not asserted): " + got + " bytes for " + expected + " of payload");
            return;
        }
        if (got > expected + 50_000) {
            throw fatal("too many RPC bytes; got " + got + ", expected " + expected);
        }
    }

    /** Progress with one follower gone; no commit with both followers gone. */
    static void followerFailure(Cluster cfg) {
        int servers = cfg.size();
        cfg.one(Commands.of(101), servers, false);

        // disconnect one follower from the network
        int leader1 = cfg.checkOneLeader();
        cfg.disconnect((leader1 + 1) % servers);

        // the leader and the remaining follower agree despite the disconnected follower
        cfg.one(Commands.of(102), servers - 1, false);
        cfg.sleep(ELECTION_TIMEOUT_MS);
        cfg.one(Commands.of(103), servers - 1, false);

        // disconnect the remaining follower
        int leader2 = cfg.checkOneLeader();
        cfg.disconnect((leader2 + 1) % servers);
        cfg.disconnect((leader2 + 2) % servers);

        // submit a command
        CompletableFuture<Long> f = cfg.startCommand(leader2, Commands.of(104));
        if (f == null) {
            throw fatal("leader rejected Start()");
        }

        cfg.sleep(2 * ELECTION_TIMEOUT_MS);

        // check that command 104 did not commit (it would have been command index 4)
        int nd = cfg.nCommitted(4).count();
        if (nd > 0) {
            throw fatal(nd + " committed but no majority");
        }
        if (f.isDone() && !f.isCompletedExceptionally()) {
            throw fatal("command 104 reported applied at index " + f.join() + " but no majority");
        }
    }

    /** Progress with the leader gone; no commit with the next leader gone too. */
    static void leaderFailure(Cluster cfg) {
        int servers = cfg.size();
        cfg.one(Commands.of(101), servers, false);

        // disconnect the first leader
        int leader1 = cfg.checkOneLeader();
        cfg.disconnect(leader1);

        // the remaining followers elect a new leader
        cfg.one(Commands.of(102), servers - 1, false);
        cfg.sleep(ELECTION_TIMEOUT_MS);
        cfg.one(Commands.of(103), servers - 1, false);

        // disconnect the new leader
        int leader2 = cfg.checkOneLeader();
        cfg.disconnect(leader2);

        // submit a command to each server
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            CompletableFuture<Long> f = cfg.startCommand(i, Commands.of(104));
            if (f != null) {
                futures.add(f);
            }
        }

        cfg.sleep(2 * ELECTION_TIMEOUT_MS);

        // check that command 104 did not commit
        int nd = cfg.nCommitted(4).count();
        if (nd > 0) {
            throw fatal(nd + " committed but no majority");
        }
        for (CompletableFuture<Long> f : futures) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                throw fatal("command 104 reported applied at index " + f.join() + " but no majority");
            }
        }
    }

    /** A disconnected follower reconnects and catches up; the full set then agrees on new commands. */
    static void failAgree(Cluster cfg) {
        int servers = cfg.size();
        cfg.one(Commands.of(101), servers, false);

        // disconnect one follower from the network
        int leader = cfg.checkOneLeader();
        cfg.disconnect((leader + 1) % servers);

        // the leader and the remaining follower agree despite the disconnected follower
        cfg.one(Commands.of(102), servers - 1, false);
        cfg.one(Commands.of(103), servers - 1, false);
        cfg.sleep(ELECTION_TIMEOUT_MS);
        cfg.one(Commands.of(104), servers - 1, false);
        cfg.one(Commands.of(105), servers - 1, false);

        // re-connect
        cfg.connect((leader + 1) % servers);

        // the full set preserves previous agreements and agrees on new commands
        cfg.one(Commands.of(106), servers, true);
        cfg.sleep(ELECTION_TIMEOUT_MS);
        cfg.one(Commands.of(107), servers, true);
    }

    /** Five nodes, three followers gone: nothing commits; after healing the next command lands at index 2 or 3. */
    static void failNoAgree(Cluster cfg) {
        int servers = cfg.size();
        cfg.one(Commands.of(10), servers, false);

        // 3 of 5 followers disconnect
        int leader = cfg.checkOneLeader();
        cfg.disconnect((leader + 1) % servers);
        cfg.disconnect((leader + 2) % servers);
        cfg.disconnect((leader + 3) % servers);

        CompletableFuture<Long> f = cfg.startCommand(leader, Commands.of(20));
        if (f == null) {
            throw fatal("leader rejected Start()");
        }

        cfg.sleep(2 * ELECTION_TIMEOUT_MS);

        // it would have been command index 2
        int nd = cfg.nCommitted(2).count();
        if (nd > 0) {
            throw fatal(nd + " committed but no majority");
        }
        if (f.isDone() && !f.isCompletedExceptionally()) {
            throw fatal("command 20 reported applied at index " + f.join() + " but no majority");
        }

        // repair
        cfg.connect((leader + 1) % servers);
        cfg.connect((leader + 2) % servers);
        cfg.connect((leader + 3) % servers);

        // the disconnected majority may have chosen a leader from among their own ranks, forgetting index 2
        int leader2 = cfg.checkOneLeader();
        CompletableFuture<Long> f2 = cfg.startCommand(leader2, Commands.of(30));
        if (f2 == null) {
            throw fatal("leader2 rejected Start()");
        }
        long index2 = cfg.await(f2, 10_000, "command 30 on leader2 " + Cluster.id(leader2));
        if (index2 < 2 || index2 > 3) {
            throw fatal("unexpected index " + index2);
        }

        cfg.one(Commands.of(1000), servers, true);
    }

    /** Five proposals started at once on the leader all commit (retried while the term keeps changing). */
    static void concurrentStarts(Cluster cfg) {
        int servers = cfg.size();
        boolean success = false;
        loop:
        for (int attempt = 0; attempt < 5; attempt++) {
            if (attempt > 0) {
                // give the solution some time to settle
                cfg.sleep(3000);
            }
            int leader = cfg.checkOneLeader();
            long term = cfg.node(leader).term();
            if (cfg.startCommand(leader, Commands.of(1)) == null) {
                // leader moved on really quickly
                continue;
            }

            int iters = 5;
            List<CompletableFuture<Long>> is = new ArrayList<>();
            for (int ii = 0; ii < iters; ii++) {
                CompletableFuture<Long> f = cfg.startCommand(leader, Commands.of(100 + ii));
                RaftNode<Long> node = cfg.node(leader);
                long term1 = node == null ? -1 : node.term();
                if (term1 != term) {
                    continue;
                }
                if (f == null) {
                    continue;
                }
                is.add(f);
            }

            for (int j = 0; j < servers; j++) {
                RaftNode<Long> node = cfg.node(j);
                if (node == null || node.term() != term) {
                    // term changed -- can't expect all the Start()s to succeed
                    continue loop;
                }
            }

            boolean failed = false;
            List<Long> cmds = new ArrayList<>();
            for (CompletableFuture<Long> f : is) {
                // the course's Start() returns the index at once; here it is known once the leader applies it
                cfg.clock().await(() -> f.isDone() || termMoved(cfg, term), 30_000);
                if (!f.isDone() || f.isCompletedExceptionally()) {
                    if (termMoved(cfg, term) || f.isCompletedExceptionally()) {
                        // leadership moved on, so we can't expect all Start()s to have succeeded
                        failed = true;
                        break;
                    }
                    throw fatal("a command started on leader " + Cluster.id(leader) + " in term " + term
                            + " was not applied within 30 s");
                }
                long index = f.join();
                byte[] cmd = cfg.waitCommitted(index, servers, term);
                if (cmd == null) {
                    // peers have moved on to later terms, so we can't expect all Start()s to have succeeded
                    failed = true;
                    break;
                }
                if (!Commands.isNumeric(cmd)) {
                    throw fatal("value " + Commands.describe(cmd) + " is not a number");
                }
                cmds.add(Commands.value(cmd));
            }
            if (failed) {
                continue;
            }

            for (int ii = 0; ii < iters; ii++) {
                long x = 100 + ii;
                if (!cmds.contains(x)) {
                    throw fatal("cmd " + x + " missing in " + cmds);
                }
            }
            success = true;
            break;
        }
        if (!success) {
            throw fatal("term changed too often");
        }
    }

    /** A partitioned leader with uncommitted entries rejoins; its entries are replaced. */
    static void rejoin(Cluster cfg) {
        int servers = cfg.size();
        cfg.one(Commands.of(101), servers, true);

        // leader network failure
        int leader1 = cfg.checkOneLeader();
        cfg.disconnect(leader1);

        // make the old leader try to agree on some entries
        cfg.startCommand(leader1, Commands.of(102));
        cfg.startCommand(leader1, Commands.of(103));
        cfg.startCommand(leader1, Commands.of(104));

        // the new leader commits, also for index 2
        cfg.one(Commands.of(103), 2, true);

        // new leader network failure
        int leader2 = cfg.checkOneLeader();
        cfg.disconnect(leader2);

        // old leader connected again
        cfg.connect(leader1);

        cfg.one(Commands.of(104), 2, true);

        // all together now
        cfg.connect(leader2);

        cfg.one(Commands.of(105), servers, true);
    }

    /**
     * Five nodes: 50 uncommitted entries on an isolated leader, 50 committed on the other side, swapped twice;
     * forces fast back-off of nextIndex.
     */
    static void backup(Cluster cfg) {
        int servers = cfg.size();
        cfg.one(randomCommand(cfg), servers, true);

        // put the leader and one follower in a partition
        int leader1 = cfg.checkOneLeader();
        cfg.disconnect((leader1 + 2) % servers);
        cfg.disconnect((leader1 + 3) % servers);
        cfg.disconnect((leader1 + 4) % servers);

        // submit lots of commands that won't commit
        for (int i = 0; i < 50; i++) {
            cfg.startCommand(leader1, randomCommand(cfg));
        }

        cfg.sleep(ELECTION_TIMEOUT_MS / 2);

        cfg.disconnect((leader1 + 0) % servers);
        cfg.disconnect((leader1 + 1) % servers);

        // allow the other partition to recover
        cfg.connect((leader1 + 2) % servers);
        cfg.connect((leader1 + 3) % servers);
        cfg.connect((leader1 + 4) % servers);

        // lots of successful commands to the new group
        for (int i = 0; i < 50; i++) {
            cfg.one(randomCommand(cfg), 3, true);
        }

        // now another partitioned leader and one follower
        int leader2 = cfg.checkOneLeader();
        int other = (leader1 + 2) % servers;
        if (leader2 == other) {
            other = (leader2 + 1) % servers;
        }
        cfg.disconnect(other);

        // lots more commands that won't commit
        for (int i = 0; i < 50; i++) {
            cfg.startCommand(leader2, randomCommand(cfg));
        }

        cfg.sleep(ELECTION_TIMEOUT_MS / 2);

        // bring the original leader back to life
        for (int i = 0; i < servers; i++) {
            cfg.disconnect(i);
        }
        cfg.connect((leader1 + 0) % servers);
        cfg.connect((leader1 + 1) % servers);
        cfg.connect(other);

        // lots of successful commands to the new group
        for (int i = 0; i < 50; i++) {
            cfg.one(randomCommand(cfg), 3, true);
        }

        // now everyone
        for (int i = 0; i < servers; i++) {
            cfg.connect(i);
        }
        cfg.one(randomCommand(cfg), servers, true);
    }

    /** An election takes 1–30 RPCs; 10 agreements take at most 42; one idle second at most 60. */
    static void count(Cluster cfg) {
        int servers = cfg.size();

        cfg.checkOneLeader();
        long total1 = rpcs(cfg);
        long election = total1;
        boolean budgets = budgetsHold(cfg);
        if (budgets && (total1 > 30 || total1 < 1)) {
            throw fatal("too many or few RPCs (" + total1 + ") to elect initial leader");
        }

        long total2 = 0;
        boolean success = false;
        CompletableFuture<Long> lastStart = null;
        long lastExpected = -1;
        loop:
        for (int attempt = 0; attempt < 5; attempt++) {
            if (attempt > 0) {
                // give the solution some time to settle
                cfg.sleep(3000);
            }

            int leader = cfg.checkOneLeader();
            total1 = rpcs(cfg);

            int iters = 10;
            long term = cfg.node(leader).term();
            CompletableFuture<Long> first = cfg.startCommand(leader, Commands.of(1));
            if (first == null) {
                // leader moved on really quickly
                continue;
            }
            List<Long> cmds = new ArrayList<>();
            List<CompletableFuture<Long>> started = new ArrayList<>();
            for (int i = 1; i < iters + 2; i++) {
                long x = cfg.random().nextInt(Integer.MAX_VALUE);
                cmds.add(x);
                CompletableFuture<Long> f = cfg.startCommand(leader, Commands.of(x));
                RaftNode<Long> node = cfg.node(leader);
                long term1 = node == null ? -1 : node.term();
                if (term1 != term) {
                    // term changed while starting
                    continue loop;
                }
                if (f == null) {
                    // no longer the leader, so the term has changed
                    continue loop;
                }
                started.add(f);
            }

            // the course's Start() returns the index at once; here it is known once the leader applies it
            cfg.clock().await(() -> first.isDone() || termMoved(cfg, term), 30_000);
            if (!first.isDone() || first.isCompletedExceptionally()) {
                if (termMoved(cfg, term) || first.isCompletedExceptionally()) {
                    continue;
                }
                throw fatal("command 1 started on leader " + Cluster.id(leader) + " in term " + term
                        + " was not applied within 30 s");
            }
            long starti = first.join();

            for (int i = 1; i < iters + 1; i++) {
                byte[] cmd = cfg.waitCommitted(starti + i, servers, term);
                if (cmd == null) {
                    // term changed -- try again
                    continue loop;
                }
                if (!Commands.isNumeric(cmd) || Commands.value(cmd) != cmds.get(i - 1)) {
                    throw fatal("wrong value " + Commands.describe(cmd) + " committed for index " + (starti + i)
                            + "; expected " + cmds);
                }
            }

            boolean failed = false;
            total2 = 0;
            for (int j = 0; j < servers; j++) {
                RaftNode<Long> node = cfg.node(j);
                if (node == null || node.term() != term) {
                    // term changed -- can't expect low RPC counts; keep going to update total2
                    failed = true;
                }
                total2 += cfg.rpcCount(j);
            }
            if (failed) {
                continue;
            }

            // the course checks each Start()'s index: starti + i (the leader applied 1..iters already)
            for (int i = 1; i < iters + 1; i++) {
                CompletableFuture<Long> f = started.get(i - 1);
                if (!f.isDone() || f.isCompletedExceptionally() || f.join() != starti + i) {
                    throw fatal("Start() failed: command " + i + " of this round reported "
                            + (f.isDone() ? f.handle((v, e) -> e == null ? "index " + v : e.toString()).join() : "nothing")
                            + ", expected index " + (starti + i));
                }
            }
            lastStart = started.get(iters);
            lastExpected = starti + iters + 1;

            if (budgets && total2 - total1 > (iters + 1 + 3) * 3) {
                throw fatal("too many RPCs (" + (total2 - total1) + ") for " + iters + " entries");
            }
            success = true;
            break;
        }
        if (!success) {
            throw fatal("term changed too often");
        }
        long agreement = total2 - total1;

        cfg.sleep(ELECTION_TIMEOUT_MS);

        long total3 = rpcs(cfg);
        long idle = total3 - total2;
        System.out.println("Count: election " + election + " RPCs, 10 agreements " + agreement
                + " RPCs, 1 s idle " + idle + " RPCs" + (budgets ? "" : " (real time: reported, not asserted)"));
        if (budgets && idle > 3 * 20) {
            throw fatal("too many RPCs (" + idle + ") for 1 second of idleness");
        }

        // the last of the eleven Start()s (not waited for above): its index too
        long last = cfg.await(lastStart, 10_000, "the eleventh command of Count");
        if (last != lastExpected) {
            throw fatal("Start() failed: eleventh command at index " + last + ", expected " + lastExpected);
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Whether the course's message and byte budgets are asserted: only in virtual time. How many messages a real-time
     * run needs depends on how threads are scheduled (a starved timer makes a follower campaign, a slow apply a
     * retransmission), and a test must not assert what scheduling decides; real-time runs report the counts.
     */
    private static boolean budgetsHold(Cluster cfg) {
        return cfg instanceof io.tally.testkit.harness.SimCluster;
    }

    private static long rpcs(Cluster cfg) {
        long total = 0;
        for (int j = 0; j < cfg.size(); j++) {
            total += cfg.rpcCount(j);
        }
        return total;
    }

    /** Whether some running node's term moved past {@code term}. */
    private static boolean termMoved(Cluster cfg, long term) {
        for (int j = 0; j < cfg.size(); j++) {
            RaftNode<Long> node = cfg.node(j);
            if (node != null && node.term() > term) {
                return true;
            }
        }
        return false;
    }

    /** The course's rand.Int() command: a non-negative random number. */
    private static byte[] randomCommand(Cluster cfg) {
        return Commands.of(cfg.random().nextLong(Long.MAX_VALUE));
    }

    // ---------------------------------------------------------------- one test per scenario, one run per seed

    @TestFactory
    Stream<DynamicTest> BasicAgree() {
        return Seeds.each(getClass(), "BasicAgree", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                basicAgree(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> RPCBytes() {
        return Seeds.each(getClass(), "RPCBytes", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                rpcBytes(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> FollowerFailure() {
        return Seeds.each(getClass(), "FollowerFailure", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                followerFailure(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> LeaderFailure() {
        return Seeds.each(getClass(), "LeaderFailure", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                leaderFailure(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> FailAgree() {
        return Seeds.each(getClass(), "FailAgree", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                failAgree(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> FailNoAgree() {
        return Seeds.each(getClass(), "FailNoAgree", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                failNoAgree(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> ConcurrentStarts() {
        return Seeds.each(getClass(), "ConcurrentStarts", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                concurrentStarts(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Rejoin() {
        return Seeds.each(getClass(), "Rejoin", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                rejoin(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Backup() {
        return Seeds.each(getClass(), "Backup", seed -> {
            try (SimCluster c = SimCluster.create(5, seed)) {
                backup(c);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> Count() {
        return Seeds.each(getClass(), "Count", seed -> {
            try (SimCluster c = SimCluster.create(3, seed)) {
                count(c);
            }
        });
    }
}
