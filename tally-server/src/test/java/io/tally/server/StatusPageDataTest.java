package io.tally.server;

import io.tally.raft.LeaderChange;
import io.tally.raft.RaftState;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.node.NodeStatus;
import io.tally.raft.storage.SnapshotMeta;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What a node keeps for its status page: activity counts, the sample ring and the event ring. */
class StatusPageDataTest {

    @Test
    void onlyClientReadsAndWritesCountAndForwardedOnesAreLeftToTheNodeAsked() {
        NodeActivity a = new NodeActivity();
        a.request("put", 200, 2_000_000, false);
        a.request("txn", 200, 4_000_000, false);
        a.request("append", 409, 1_000_000, false); // a refused compare-and-set is a write answered
        a.request("put", 200, 3_000_000, true);     // forwarded: counted by the follower that was asked
        a.request("get", 404, 1_000, false);
        a.request("range", 200, 1_000, false);
        a.request("put", 503, 1_000, false);
        a.request("status", 200, 1_000, false);
        a.request("ui", 200, 1_000, false);
        a.fsync(5_000_000);
        NodeActivity.Interval i = a.interval();
        assertEquals(3, i.writes());
        assertEquals(2, i.reads());
        assertEquals(1, i.failed());
        assertEquals(3, i.writeMicros().getTotalCount());
        assertEquals(1, i.fsyncMicros().getTotalCount());
        NodeActivity.Interval next = a.interval();
        assertEquals(0, next.writes() + next.reads() + next.failed() + next.writeMicros().getTotalCount());
    }

    @Test
    void aSampleHasRatesPercentilesAndCommitGrowth() {
        NodeActivity a = new NodeActivity();
        for (int ms = 1; ms <= 100; ms++) {
            a.request("put", 200, ms * 1_000_000L, false);
        }
        NodeHistory.Sample s = NodeHistory.sample(1, 1000, 2.0, a.interval(), 150, 50, 149, 3, "leader");
        assertEquals(50.0, s.writesPerSec());
        assertEquals(50.0, s.commitsPerSec());
        assertEquals(50.0, s.writeP50Ms(), 0.5);
        assertEquals(99.0, s.writeP99Ms(), 1.0);
        assertNull(s.fsyncP99Ms(), "no fsync in the interval");
    }

    @Test
    void theHistoryKeepsTheNewestFiveMinutes() {
        NodeHistory h = new NodeHistory();
        NodeActivity a = new NodeActivity();
        for (int i = 1; i <= NodeHistory.CAPACITY + 20; i++) {
            h.add(NodeHistory.sample(i, i * 1000L, 1.0, a.interval(), i, i - 1, i, 1, "follower"));
        }
        List<NodeHistory.Sample> all = h.newest(1000);
        assertEquals(NodeHistory.CAPACITY, all.size());
        assertEquals(21, all.get(0).seq());
        assertEquals(NodeHistory.CAPACITY + 20, all.get(all.size() - 1).seq());
        assertEquals(List.of(319L, 320L), h.newest(2).stream().map(NodeHistory.Sample::seq).toList());
    }

    @Test
    void eventsRecordElectionsLossesMembershipAndSnapshotsOnce() {
        NodeEvents e = new NodeEvents("n2", () -> 42);
        Configuration three = Configuration.ofVoters("n1", "n2", "n3");
        e.observe(status(three, 1, 1));
        e.observe(status(three, 1, 1));                                   // seen already
        e.leaderChanged(new LeaderChange("n2", 2, "n1", RaftState.FOLLOWER), 2);
        e.leaderChanged(new LeaderChange("n2", 2, "n1", RaftState.FOLLOWER), 3); // the same leader
        e.leaderChanged(new LeaderChange("n2", 3, null, RaftState.CANDIDATE), 9);
        e.leaderChanged(new LeaderChange("n2", 3, "n2", RaftState.LEADER), 9);
        Configuration four = new Configuration(List.of(Member.voter("n1"), Member.voter("n2"), Member.voter("n3"),
                new Member("n4", "", false)), Set.of());
        e.observe(status(four, 3, 12));
        e.snapshotted(new SnapshotMeta(20, 3, four, 1234));
        List<NodeEvents.Event> all = e.newest(100);
        assertEquals(List.of("membership:1", "leader:2:n1", "lost:n2:3:n1", "leader:3:n2", "membership:12", "snapshot:n2:20"),
                all.stream().map(NodeEvents.Event::key).toList());
        assertEquals("voters n1, n2, n3; non-voters n4 (+n4)", all.get(4).text());
        assertEquals(12, all.get(4).index());
        assertEquals(3, all.get(5).term());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), all.stream().map(NodeEvents.Event::seq).toList());
        for (int i = 0; i < NodeEvents.CAPACITY; i++) {
            e.snapshotted(new SnapshotMeta(100 + i, 3, four, 1));
        }
        assertEquals(NodeEvents.CAPACITY, e.newest(1000).size());
        assertEquals(6 + NodeEvents.CAPACITY, e.newest(1).get(0).seq());
    }

    @Test
    void aJointConfigurationNamesTheOutgoingVoters() {
        Configuration joint = new Configuration(List.of(Member.voter("n1"), Member.voter("n2")), Set.of("n1", "n2", "n3"));
        assertEquals("voters n1, n2; joint, leaving voters n1, n2, n3", // n3 still votes in the outgoing half
                NodeEvents.describe(joint, Configuration.ofVoters("n1", "n2", "n3")));
    }

    private static NodeStatus status(Configuration c, long term, long configurationIndex) {
        return new NodeStatus("n2", RaftState.FOLLOWER, null, term, configurationIndex, configurationIndex, c,
                configurationIndex, c);
    }
}
