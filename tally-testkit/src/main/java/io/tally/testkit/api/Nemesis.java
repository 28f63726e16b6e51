package io.tally.testkit.api;

import io.tally.raft.RaftState;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Member;
import io.tally.raft.node.RaftNode;
import io.tally.testkit.disk.SimFileSystem;
import io.tally.testkit.harness.SimFileDisk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Injects the chosen {@link Fault}s into a {@link SimulatedCluster} at random moments and lifts them later, all drawn
 * from the run's seed. It runs from the test's thread between stretches of virtual time ({@link #step}), so it may
 * wait for a membership change or a transfer. Crashes, pauses, full disks and damaged disks hit at most a minority
 * of the nodes at once; network faults may cut off anyone. {@link #healAll} ends every fault but a damaged disk.
 */
final class Nemesis<S extends StateMachine<R>, R> {

    /** A fault in force, and how to end it. */
    private record Active(Fault fault, long liftAtMillis, Runnable lift, Integer node) {
    }

    private final SimulatedCluster<S, R> c;
    private final RandomGenerator random;
    private final List<Fault> steps = new ArrayList<>();
    private final List<Active> active = new ArrayList<>();
    /** Nodes down, paused or on a full disk because of a fault in force, and nodes whose disk was damaged for good. */
    private final Set<Integer> impaired = new HashSet<>();
    private final Set<Integer> damaged = new HashSet<>();
    private final Set<Integer> fullDisk = new HashSet<>();
    private final int maxImpaired;
    private boolean networkSplit;
    private Integer removedMember;
    private long injected;

    Nemesis(SimulatedCluster<S, R> cluster, Set<Fault> faults, RandomGenerator random) {
        this.c = cluster;
        this.random = random;
        this.maxImpaired = (cluster.size() - 1) / 2;
        for (Fault f : Fault.values()) {
            if (faults.contains(f) && f != Fault.CLOCK_DRIFT && f != Fault.TIMER_LATENESS) {
                steps.add(f);
            }
        }
    }

    long injected() {
        return injected;
    }

    /** Lifts the faults whose time has come, then, every other step on average, injects a new one. */
    void step() {
        long now = c.nowMillis();
        List<Active> due = new ArrayList<>();
        for (Active a : active) {
            if (a.liftAtMillis() <= now) {
                due.add(a);
            }
        }
        due.sort(Comparator.comparingLong(Active::liftAtMillis));
        for (Active a : due) {
            active.remove(a);
            lift(a);
        }
        if (!steps.isEmpty() && random.nextInt(2) == 0) {
            inject(steps.get(random.nextInt(steps.size())));
        }
    }

    /** Ends every fault in force (oldest first), reconnects everyone and restarts every node that is down. */
    void healAll() {
        List<Active> all = new ArrayList<>(active);
        active.clear();
        for (Active a : all) {
            lift(a);
        }
        c.heal();
        c.setUnreliable(false);
        c.setReordering(false);
        for (int i = 0; i < c.size(); i++) {
            if (!c.isConnected(i)) {
                c.connect(i);
            }
            if (!c.isUp(i) && !damaged.contains(i)) {
                tryStart(i);
            }
        }
        for (int attempt = 0; attempt < 4 && removedMember != null; attempt++) {
            restoreMembership();
        }
        active.clear(); // a retry the last attempts scheduled: the membership is whole, or the run reports it
        if (removedMember != null) {
            c.trace().record("the membership could not be made whole again");
        }
    }

    private void lift(Active a) {
        a.lift().run();
        if (a.node() != null) {
            impaired.remove(a.node());
        }
    }

    private void inject(Fault f) {
        switch (f) {
            case UNRELIABLE_NETWORK -> {
                if (!c.network().isReliable()) {
                    return;
                }
                c.setUnreliable(true);
                schedule(f, 1_000 + random.nextInt(3_000), () -> c.setUnreliable(false), null);
            }
            case REORDERING -> {
                if (c.network().isLongReordering()) {
                    return;
                }
                c.setReordering(true);
                schedule(f, 1_000 + random.nextInt(3_000), () -> c.setReordering(false), null);
            }
            case PARTITION -> {
                if (networkSplit || c.size() < 2) {
                    return;
                }
                List<Integer> shuffled = shuffledNodes();
                int k = 1 + random.nextInt(c.size() / 2);
                c.partition(toArray(shuffled.subList(0, k)), toArray(shuffled.subList(k, shuffled.size())));
                networkSplit = true;
                schedule(f, 500 + random.nextInt(2_500), this::endSplit, null);
            }
            case BRIDGE -> {
                if (networkSplit || c.size() < 3) {
                    return;
                }
                List<Integer> shuffled = shuffledNodes();
                int bridge = shuffled.remove(0);
                int k = 1 + random.nextInt(shuffled.size() - 1);
                c.bridge(bridge, toArray(shuffled.subList(0, k)), toArray(shuffled.subList(k, shuffled.size())));
                networkSplit = true;
                schedule(f, 500 + random.nextInt(2_500), this::endSplit, null);
            }
            case ISOLATE -> {
                int i = random.nextInt(c.size());
                if (!c.isConnected(i)) {
                    return;
                }
                c.disconnect(i);
                schedule(f, 300 + random.nextInt(2_000), () -> c.connect(i), null);
            }
            case CRASH_RESTART, LOST_UNSYNCED_WRITES, TORN_WRITES -> {
                Integer i = victim();
                if (i == null) {
                    return;
                }
                c.crash(i);
                impaired.add(i);
                schedule(f, 200 + random.nextInt(2_000), () -> tryStart(i), i);
            }
            case PAUSE -> {
                Integer i = victim();
                if (i == null) {
                    return;
                }
                long millis = 100 + random.nextInt(2_900);
                c.pause(i, millis);
                impaired.add(i);
                schedule(f, millis, () -> { }, i);
            }
            case BIT_FLIPS -> {
                Integer i = victim();
                if (i == null || !damaged.isEmpty()) {
                    return;
                }
                c.crash(i);
                flipABit(i);
                if (!tryStart(i)) {
                    damaged.add(i);
                    impaired.add(i);
                    c.trace().record(SimulatedCluster.id(i) + " stays down: its disk is damaged");
                }
                injected++;
            }
            case DISK_FULL -> {
                Integer i = victim();
                if (i == null) {
                    return;
                }
                SimFileSystem fs = c.fileSystem(i);
                fs.setCapacity(fs.totalSize());
                fullDisk.add(i);
                impaired.add(i);
                c.trace().record(SimulatedCluster.id(i) + "'s disk is full");
                schedule(f, 500 + random.nextInt(2_000), () -> freeDisk(i), i);
            }
            case MEMBERSHIP_CHANGE -> {
                if (removedMember != null || c.size() < 3 || impaired.size() >= maxImpaired) {
                    return;
                }
                int i = random.nextInt(c.size());
                List<Member> without = new ArrayList<>();
                for (int k = 0; k < c.size(); k++) {
                    if (k != i) {
                        without.add(Member.voter(SimulatedCluster.id(k)));
                    }
                }
                removedMember = i;
                changeMembership(without); // done or not, the member is added back later
                schedule(f, 500 + random.nextInt(2_500), this::restoreMembership, null);
            }
            case LEADERSHIP_TRANSFER -> {
                int leader = c.leader();
                if (leader < 0 || c.size() < 2) {
                    return;
                }
                int target = (leader + 1 + random.nextInt(c.size() - 1)) % c.size();
                if (removedMember != null && removedMember == target) {
                    return;
                }
                injected++;
                c.transferLeadership(target, 2_000);
            }
            default -> throw new IllegalStateException("not a nemesis step: " + f);
        }
    }

    private void schedule(Fault f, long forMillis, Runnable lift, Integer node) {
        injected++;
        active.add(new Active(f, c.nowMillis() + forMillis, lift, node));
    }

    private void endSplit() {
        c.heal();
        networkSplit = false;
    }

    /** A running node that may be taken down without impairing a majority: the leader a third of the time. */
    private Integer victim() {
        // A member removed by a membership change leaves fewer voters: it counts against the minority too.
        if (impaired.size() + (removedMember == null ? 0 : 1) >= maxImpaired) {
            return null;
        }
        int leader = c.leader();
        if (leader >= 0 && !impaired.contains(leader) && random.nextInt(3) == 0) {
            return leader;
        }
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            if (c.isUp(i) && !impaired.contains(i)) {
                candidates.add(i);
            }
        }
        return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
    }

    /** Starts node {@code i}; returns false (and leaves it down) if it refuses to, as on a damaged disk. */
    private boolean tryStart(int i) {
        if (damaged.contains(i)) {
            return false;
        }
        try {
            c.start(i);
            return true;
        } catch (UncheckedIOException | IllegalStateException e) {
            return false;
        }
    }

    private void freeDisk(int i) {
        c.fileSystem(i).setCapacity(SimFileSystem.UNLIMITED);
        fullDisk.remove(i);
        c.trace().record(SimulatedCluster.id(i) + "'s disk has space again");
        RaftNode<R> node = c.node(i);
        if (node != null && node.state() == RaftState.SHUTDOWN) {
            c.trace().record(SimulatedCluster.id(i) + " had stopped: " + node.fatalError().map(String::valueOf).orElse("?"));
            c.crash(i);
            tryStart(i);
        }
    }

    /** Whether node {@code i} stopped because the nemesis filled its disk (an expected stop). */
    boolean stoppedByFullDisk(int i) {
        return fullDisk.contains(i);
    }

    /** Whether node {@code i} is down for good with a damaged disk. */
    boolean isDamaged(int i) {
        return damaged.contains(i);
    }

    private void restoreMembership() {
        List<Member> all = new ArrayList<>();
        for (int k = 0; k < c.size(); k++) {
            all.add(Member.voter(SimulatedCluster.id(k)));
        }
        if (changeMembership(all)) {
            removedMember = null;
        } else {
            // Not yet (no leader for a while): try again a little later.
            active.add(new Active(Fault.MEMBERSHIP_CHANGE, c.nowMillis() + 500, this::restoreMembership, null));
        }
    }

    private boolean changeMembership(List<Member> members) {
        try {
            c.changeMembership(members, 5_000);
            return true;
        } catch (AssertionError e) {
            if (e instanceof io.tally.testkit.harness.InvariantViolation) {
                throw e;
            }
            c.trace().record("membership change did not complete: " + e.getMessage());
            return false;
        }
    }

    /** Flips one bit on crashed node {@code i}'s disk: inside its first log segment's records, or in its hard state. */
    private void flipABit(int i) {
        SimFileDisk disk = c.fileDisk(i);
        SimFileSystem fs = disk.fileSystem();
        try {
            Path segment = null;
            for (String name : fs.list(disk.logDir())) {
                if (name.endsWith(".seg")) {
                    segment = disk.logDir().resolve(name);
                    break;
                }
            }
            long dataEnd = segment == null ? 0 : lastNonZeroByte(fs, segment) + 1;
            if (segment != null && dataEnd > 64 && random.nextInt(4) != 0) {
                long offset = 32 + random.nextLong((dataEnd - 32) * 3 / 4);
                int bit = random.nextInt(8);
                fs.flipBit(segment, offset, bit);
                c.trace().record("bit " + bit + " of byte " + offset + " of " + segment + " flipped on " + SimulatedCluster.id(i));
            } else {
                Path hardState = disk.stableDir().resolve("hard-state");
                if (fs.exists(hardState)) {
                    long offset = fs.flipRandomBit(hardState, random);
                    c.trace().record("a bit of byte " + offset + " of " + hardState + " flipped on " + SimulatedCluster.id(i));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("flipping a bit on " + SimulatedCluster.id(i) + ": " + e.getMessage(), e);
        }
    }

    private static long lastNonZeroByte(SimFileSystem fs, Path file) throws IOException {
        try (var f = fs.open(file, false)) {
            ByteBuffer buf = ByteBuffer.allocate((int) f.size());
            f.readFully(buf, 0);
            for (int k = buf.capacity() - 1; k >= 0; k--) {
                if (buf.get(k) != 0) {
                    return k;
                }
            }
            return 0;
        }
    }

    private List<Integer> shuffledNodes() {
        List<Integer> nodes = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            nodes.add(i);
        }
        for (int k = nodes.size() - 1; k > 0; k--) {
            int j = random.nextInt(k + 1);
            Integer t = nodes.get(k);
            nodes.set(k, nodes.get(j));
            nodes.set(j, t);
        }
        return nodes;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
