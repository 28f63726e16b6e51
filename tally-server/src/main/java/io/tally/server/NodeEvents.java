package io.tally.server;

import com.fasterxml.jackson.databind.util.RawValue;
import io.tally.raft.LeaderChange;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.node.NodeStatus;
import io.tally.raft.storage.SnapshotMeta;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The recent events this node saw, for the status page: leaders elected and lost, membership changes and snapshots,
 * each with its wall-clock time, term and log index. A bounded ring of {@value #CAPACITY}: the oldest event goes when a
 * new one comes. Fed from the Raft node's leader listener (apply thread), the snapshot store (snapshot threads) and the
 * sampler's look at the node's status (membership); synchronized, every method is short.
 *
 * <p>Each event has a {@code key} that is the same on every node that sees the same thing (an election, a configuration),
 * so that a page merging the events of several members shows each once.
 */
final class NodeEvents {

    static final int CAPACITY = 256;

    /** @param seq this process's event number, from 1, without gaps */
    record Event(long seq, long time, String kind, long term, long index, String node, String key, String text) {

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", seq);
            m.put("time", time);
            m.put("kind", kind);
            m.put("term", term);
            m.put("index", index);
            m.put("node", node);
            m.put("key", key);
            m.put("text", text);
            return m;
        }
    }

    private final String nodeId;
    private final LongSupplier wallClock;
    private final EncodedRing<Event> ring = new EncodedRing<>(CAPACITY);
    private String lastLeader;
    private long lastLeaderTerm = -1;
    private long lastConfigurationIndex = -1;
    private Configuration lastConfiguration = Configuration.EMPTY;
    private boolean removed;

    NodeEvents(String nodeId, LongSupplier wallClock) {
        this.nodeId = nodeId;
        this.wallClock = wallClock;
    }

    /** From the node's leader listener. {@code index}: the node's commit index when it learned it. */
    synchronized void leaderChanged(LeaderChange c, long index) {
        if (c.leaderId() != null) {
            if (!c.leaderId().equals(lastLeader) || c.term() != lastLeaderTerm) {
                add("leader", c.term(), index, "leader:" + c.term() + ":" + c.leaderId(),
                        c.leaderId() + " leads term " + c.term());
            }
        } else if (lastLeader != null) {
            add("leader", c.term(), index, "lost:" + nodeId + ":" + c.term() + ":" + lastLeader,
                    nodeId + " lost its leader " + lastLeader + " (now " + c.state().name().toLowerCase(java.util.Locale.ROOT)
                            + ", term " + c.term() + ")");
        }
        lastLeader = c.leaderId();
        lastLeaderTerm = c.term();
    }

    /** From the sampler: records a configuration this node has not reported yet, and its own removal. */
    synchronized void observe(NodeStatus s) {
        Configuration c = s.configuration();
        if (s.configurationIndex() != lastConfigurationIndex && !c.members().isEmpty()) {
            add("membership", s.term(), s.configurationIndex(), "membership:" + s.configurationIndex(),
                    describe(c, lastConfigurationIndex < 0 ? null : lastConfiguration));
            lastConfigurationIndex = s.configurationIndex();
            lastConfiguration = c;
        }
        if (s.removed() && !removed) {
            add("membership", s.term(), s.configurationIndex(), "removed:" + nodeId + ":" + s.configurationIndex(),
                    nodeId + " learned that it was removed");
        }
        removed = s.removed();
    }

    /** From the snapshot store: a snapshot was committed here (taken, or installed from the leader). */
    synchronized void snapshotted(SnapshotMeta m) {
        add("snapshot", m.lastTerm(), m.lastIndex(), "snapshot:" + nodeId + ":" + m.lastIndex(),
                nodeId + " stored a snapshot up to index " + m.lastIndex() + " (" + m.sizeBytes() + " bytes)");
    }

    /** The number ({@code seq}) of the newest event; 0 before the first. */
    synchronized long lastSeq() {
        return ring.added();
    }

    /** The newest {@code n} events (fewer if there are not as many), oldest first. */
    synchronized List<Event> newest(int n) {
        return ring.newest(n);
    }

    /** The same as one JSON array of {@link Event#json()}s, encoded when each event was added. */
    synchronized RawValue newestJson(int n) {
        return ring.newestJson(n);
    }

    private void add(String kind, long term, long index, String key, String text) {
        Event e = new Event(ring.added() + 1, wallClock.getAsLong(), kind, term, index, nodeId, key, text);
        ring.add(e, e.json());
    }

    /** "voters n1, n2; non-voters n4 (+n4, -n3)", with the outgoing voters of a joint configuration. */
    static String describe(Configuration c, Configuration previous) {
        StringBuilder b = new StringBuilder("voters ").append(String.join(", ", new TreeSet<>(c.voters())));
        Set<String> nonVoters = new TreeSet<>();
        for (Member m : c.members()) {
            if (!m.voter()) {
                nonVoters.add(m.id());
            }
        }
        if (!nonVoters.isEmpty()) {
            b.append("; non-voters ").append(String.join(", ", nonVoters));
        }
        if (c.isJoint()) {
            b.append("; joint, leaving voters ").append(String.join(", ", new TreeSet<>(c.outgoingVoters())));
        }
        if (previous != null) {
            List<String> diff = new ArrayList<>();
            for (String id : new TreeSet<>(c.allIds())) {
                if (!previous.contains(id)) {
                    diff.add("+" + id);
                }
            }
            for (String id : new TreeSet<>(previous.allIds())) {
                if (!c.contains(id)) {
                    diff.add("-" + id);
                }
            }
            if (!diff.isEmpty()) {
                b.append(" (").append(String.join(", ", diff)).append(')');
            }
        }
        return b.toString();
    }
}
