package io.tally.testkit.harness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records what every node applied and checks state machine safety as it happens: no two nodes apply
 * different commands at the same log index (or command position), and each node applies in order without
 * gaps. Commands are numbered by their position among applied commands (the "command index", 1-based),
 * which matches the course's indexes; the Raft index of each is kept too. A node that restores a snapshot
 * reports the commands it covers ({@link #restored}); they must be exactly what the nodes applied at those
 * positions. Thread-safe.
 */
public final class ApplyRecorder {

    /** What the harness knows of one applied command. */
    public record Applied(long raftIndex, long term, byte[] command) {
    }

    /** How many nodes applied a command index, and the command there (null when none). */
    public record CommitCount(int count, byte[] command) {
    }

    private final List<List<Applied>> perNode = new ArrayList<>();
    private final long[] lastRaftIndex;
    private final List<Applied> byPosition = new ArrayList<>();
    private final Map<Long, Applied> byRaftIndex = new HashMap<>();
    private final InvariantChecker checker;

    public ApplyRecorder(int nodes, InvariantChecker checker) {
        for (int i = 0; i < nodes; i++) {
            perNode.add(new ArrayList<>());
        }
        this.lastRaftIndex = new long[nodes];
        this.checker = checker;
    }

    /** A node restarted with a fresh state machine: it will apply from the beginning again. */
    public synchronized void reset(int node) {
        perNode.get(node).clear();
        lastRaftIndex[node] = 0;
    }

    /** Records one applied command and returns its command index. */
    public synchronized long applied(int node, long raftIndex, long term, byte[] command) {
        if (raftIndex <= lastRaftIndex[node]) {
            checker.violation("node " + node + " applied raft index " + raftIndex + " after " + lastRaftIndex[node]);
        }
        lastRaftIndex[node] = raftIndex;
        List<Applied> mine = perNode.get(node);
        Applied a = new Applied(raftIndex, term, command);
        int position = mine.size();
        if (position < byPosition.size()) {
            Applied other = byPosition.get(position);
            if (other.raftIndex != raftIndex || other.term != term || !Arrays.equals(other.command, command)) {
                checker.violation("state machine safety: node " + node + " applied " + describe(a) + " at command index "
                        + (position + 1) + " but another node applied " + describe(other));
            }
        } else {
            byPosition.add(a);
        }
        Applied atIndex = byRaftIndex.putIfAbsent(raftIndex, a);
        if (atIndex != null && (atIndex.term != term || !Arrays.equals(atIndex.command, command))) {
            checker.violation("state machine safety: node " + node + " applied " + describe(a) + " but another node applied "
                    + describe(atIndex));
        }
        mine.add(a);
        return position + 1;
    }

    /** The course's nCommitted: how many nodes applied command index {@code commandIndex}, and what. */
    public synchronized CommitCount nCommitted(long commandIndex) {
        int count = 0;
        for (List<Applied> mine : perNode) {
            if (mine.size() >= commandIndex) {
                count++;
            }
        }
        byte[] cmd = commandIndex >= 1 && commandIndex <= byPosition.size() ? byPosition.get((int) commandIndex - 1).command : null;
        return new CommitCount(count, cmd);
    }

    /**
     * Node {@code node} restored a snapshot: its state machine now holds exactly {@code restored} (every command
     * up to the snapshot, in order), the last of which it applied at Raft index {@code restoredLastRaftIndex}; it
     * applies on after that. Each restored command must be what the nodes applied at its command index and
     * Raft index, and a running node must not go back to an earlier state than it had reached.
     */
    public synchronized void restored(int node, List<Applied> restored, long restoredLastRaftIndex) {
        long previous = 0;
        for (int k = 0; k < restored.size(); k++) {
            Applied a = restored.get(k);
            if (a.raftIndex <= previous) {
                checker.violation("node " + node + " restored a snapshot holding raft index " + a.raftIndex + " after "
                        + previous);
            }
            previous = a.raftIndex;
            Applied other = k < byPosition.size() ? byPosition.get(k) : null;
            if (other == null || other.raftIndex != a.raftIndex || other.term != a.term
                    || !Arrays.equals(other.command, a.command)) {
                checker.violation("state machine safety: node " + node + " restored " + describe(a) + " at command index "
                        + (k + 1) + " but " + (other == null ? "no node applied that command index"
                        : "another node applied " + describe(other)));
            }
            Applied atIndex = byRaftIndex.get(a.raftIndex);
            if (atIndex == null || atIndex.term != a.term || !Arrays.equals(atIndex.command, a.command)) {
                checker.violation("state machine safety: node " + node + " restored " + describe(a) + " but "
                        + (atIndex == null ? "no node applied raft index " + a.raftIndex
                        : "another node applied " + describe(atIndex)));
            }
        }
        if (restoredLastRaftIndex < previous) {
            checker.violation("node " + node + " restored a snapshot whose last raft index " + restoredLastRaftIndex
                    + " is below its last command's " + previous);
        }
        if (restoredLastRaftIndex < lastRaftIndex[node] || restored.size() < perNode.get(node).size()) {
            checker.violation("node " + node + " restored a snapshot up to raft index " + restoredLastRaftIndex + " ("
                    + restored.size() + " commands) after it had applied up to raft index " + lastRaftIndex[node]
                    + " (" + perNode.get(node).size() + " commands): its state went back");
        }
        List<Applied> mine = perNode.get(node);
        mine.clear();
        mine.addAll(restored);
        lastRaftIndex[node] = restoredLastRaftIndex;
    }

    /**
     * Node {@code node} restored a snapshot that, by its own account, covers the first {@code commandCount} commands,
     * the last of them at Raft index {@code lastCommandRaftIndex} (0 when it covers none). Those must be commands some
     * node applied, the last one at that Raft index, and a running node must not go back to an earlier state. The node
     * then counts as having applied exactly those commands (checked on as it applies more).
     */
    public synchronized void restoredPrefix(int node, long commandCount, long lastCommandRaftIndex) {
        if (commandCount < 0 || commandCount > byPosition.size()) {
            checker.violation("state machine safety: node " + node + " restored a snapshot of " + commandCount
                    + " commands, but only " + byPosition.size() + " were ever applied");
        }
        long expected = commandCount == 0 ? 0 : byPosition.get((int) commandCount - 1).raftIndex;
        if (expected != lastCommandRaftIndex) {
            checker.violation("state machine safety: node " + node + " restored a snapshot whose command " + commandCount
                    + " is at raft index " + lastCommandRaftIndex + ", but the nodes applied it at raft index " + expected);
        }
        if (commandCount < perNode.get(node).size()) {
            checker.violation("node " + node + " restored a snapshot of " + commandCount + " commands after it had applied "
                    + perNode.get(node).size() + ": its state went back");
        }
        List<Applied> mine = perNode.get(node);
        mine.clear();
        mine.addAll(byPosition.subList(0, (int) commandCount));
        lastRaftIndex[node] = lastCommandRaftIndex;
    }

    /** Commands node {@code node} applied, in order. */
    public synchronized List<Applied> appliedBy(int node) {
        return List.copyOf(perNode.get(node));
    }

    /** Every command known applied anywhere, by Raft index. */
    public synchronized List<Applied> allApplied() {
        return List.copyOf(byRaftIndex.values());
    }

    private static String describe(Applied a) {
        return "[raft index " + a.raftIndex + ", term " + a.term + ", " + Commands.describe(a.command) + "]";
    }
}
