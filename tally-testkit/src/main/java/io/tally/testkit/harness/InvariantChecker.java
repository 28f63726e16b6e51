package io.tally.testkit.harness;

import io.tally.raft.model.Entry;
import io.tally.raft.storage.LogStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Raft's safety properties (Figure 3 of the paper), checked while a scenario runs:
 * <ul>
 *   <li><b>election safety</b> — at most one leader per term ({@link #leaderElected});</li>
 *   <li><b>log matching</b> — two logs holding an entry with the same index and term are identical up to
 *       it, as far as both still hold entries ({@link #checkLogMatching});</li>
 *   <li><b>leader completeness</b> — a new leader's log holds every entry committed in earlier terms
 *       ({@link #checkLeaderCompleteness});</li>
 *   <li><b>state machine safety</b> — checked by {@link ApplyRecorder}, which reports here.</li>
 * </ul>
 * A violation is recorded and thrown as {@link InvariantViolation}. Thread-safe.
 */
public final class InvariantChecker {

    private final Map<Long, String> leaderOfTerm = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long logMatchingChecks;

    public synchronized void leaderElected(String nodeId, long term) {
        String other = leaderOfTerm.putIfAbsent(term, nodeId);
        if (other != null && !other.equals(nodeId)) {
            violation("election safety: both " + other + " and " + nodeId + " became leader in term " + term);
        }
    }

    /**
     * Checks every pair of logs: if they agree on the term at some index, they agree on everything up to it.
     * Logs may be compacted (first index above 1): only the indexes both still hold are compared.
     */
    public void checkLogMatching(Map<String, LogStore> logs) {
        Map<String, LogView> contents = new HashMap<>();
        for (Map.Entry<String, LogStore> e : logs.entrySet()) {
            contents.put(e.getKey(), read(e.getValue()));
        }
        List<String> ids = new ArrayList<>(contents.keySet());
        ids.sort(null);
        for (int a = 0; a < ids.size(); a++) {
            for (int b = a + 1; b < ids.size(); b++) {
                checkPair(ids.get(a), contents.get(ids.get(a)), ids.get(b), contents.get(ids.get(b)));
            }
        }
        synchronized (this) {
            logMatchingChecks++;
        }
    }

    private void checkPair(String idA, LogView a, String idB, LogView b) {
        long from = Math.max(a.first(), b.first());
        long to = Math.min(a.last(), b.last());
        long highestSameTerm = -1;
        for (long i = to; i >= from; i--) {
            if (a.at(i).term() == b.at(i).term()) {
                highestSameTerm = i;
                break;
            }
        }
        for (long i = from; i <= highestSameTerm; i++) {
            Entry x = a.at(i);
            Entry y = b.at(i);
            if (!x.equals(y)) {
                violation("log matching: " + idA + " and " + idB + " agree on index " + highestSameTerm
                        + " term " + a.at(highestSameTerm).term() + " but differ at index " + i + ": " + x + " vs " + y);
            }
        }
    }

    /**
     * A node became leader of {@code term}: its log must hold every command applied in an earlier term, except
     * those below its log's first index, which its snapshot covers.
     */
    public void checkLeaderCompleteness(String nodeId, long term, LogStore log, List<ApplyRecorder.Applied> applied) {
        LogView view = read(log);
        for (ApplyRecorder.Applied a : applied) {
            if (a.term() >= term || a.raftIndex() < view.first()) {
                continue; // of this term, or compacted into the leader's snapshot
            }
            Entry e = a.raftIndex() <= view.last() ? view.at(a.raftIndex()) : null;
            if (e == null || e.term() != a.term() || !Arrays.equals(e.data(), a.command())) {
                violation("leader completeness: " + nodeId + " leads term " + term + " without committed entry at index "
                        + a.raftIndex() + " (term " + a.term() + ")" + (view.first() > 1
                        ? " (its log starts at index " + view.first() + ")" : ""));
            }
        }
    }

    /** What a log held at one moment: entries from index {@code first} on (none when first > last). */
    private record LogView(long first, List<Entry> entries) {

        long last() {
            return first + entries.size() - 1;
        }

        Entry at(long index) {
            return entries.get((int) (index - first));
        }
    }

    /** The entries {@code log} holds, from its first index (above 1 once compacted) to its last. */
    private static LogView read(LogStore log) {
        try {
            synchronized (log) {
                long first = log.firstIndex();
                long last = log.lastIndex();
                return new LogView(first, last >= first ? log.read(first, last + 1) : List.of());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records a violation and throws it. */
    public void violation(String message) {
        synchronized (this) {
            violations.add(message);
        }
        throw new InvariantViolation(message);
    }

    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    public synchronized long logMatchingChecks() {
        return logMatchingChecks;
    }

    /** Throws if any violation was recorded (also those thrown on threads the scenario does not see). */
    public synchronized void assertNone() {
        if (!violations.isEmpty()) {
            throw new InvariantViolation(violations.size() + " invariant violation(s), first: " + violations.get(0));
        }
    }
}
