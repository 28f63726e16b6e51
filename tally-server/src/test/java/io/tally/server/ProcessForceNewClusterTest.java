package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Disaster recovery on real processes (docs/operations.md, "Disaster recovery"): two of three voters are lost for good
 * (SIGKILL, never restarted); {@code ./tally recover --force-new-cluster} turns the survivor's data directory (a
 * snapshot and a log after it) into a one-member cluster; started alone, the survivor leads and serves every write it
 * had applied; two fresh nodes join, and all three hold every key. {@code --dry-run} shows each directory's last log
 * index and term and writes nothing. The tool refuses, with exit 2 and nothing changed on disk, a directory a running
 * node holds, a directory that is not a data directory, and an id that is not a member.
 */
class ProcessForceNewClusterTest {

    /** Small, so that the survivor's state is a snapshot and a log tail after it. */
    private static final int SNAPSHOT_ENTRIES = 100;
    private static final int WRITES = 250;

    @Test
    void aSurvivorRecoversAloneAndTheClusterGrowsBackToThree() throws Exception {
        try (ProcessCluster c = ProcessCluster.loopback("force-new-cluster", 5)) {
            List<NodeProcess> initial = c.nodes.subList(0, 3);
            for (NodeProcess p : c.nodes) {
                p.extraFlags().addAll(List.of("--snapshot-entries", Integer.toString(SNAPSHOT_ENTRIES)));
            }
            c.start(initial);
            NodeProcess leader = c.awaitLeader(Duration.ofSeconds(30), initial);
            for (int i = 0; i < WRITES; i++) {
                c.commit(Duration.ofSeconds(20), initial);
            }
            c.awaitCaughtUp(Duration.ofSeconds(30));
            // The survivor: a follower, whose data came to it by replication.
            NodeProcess survivor = initial.stream().filter(p -> p != leader).findFirst().orElseThrow();
            List<NodeProcess> lost = initial.stream().filter(p -> p != survivor).toList();
            Map<String, NodeClient.Item> applied = state(c, survivor);
            assertTrue(applied.keySet().containsAll(c.acked.keySet()), "the survivor applied every acknowledged write");
            // At least: a write whose answer timed out (outcome unknown) is retried under the next key, and may apply too.
            assertTrue(applied.size() >= WRITES, applied.size() + " keys");

            // A running node's directory is refused: it is locked.
            Map<String, String> before = DirectoryContents.of(survivor.dataDir);
            TallyProcess.Run locked = recover(survivor);
            assertEquals(2, locked.exit(), locked.toString());
            assertTrue(locked.err().contains("is in use") && locked.err().contains("stop it first"), locked.toString());
            assertEquals(before, DirectoryContents.of(survivor.dataDir), "the locked directory is unchanged");

            // The disaster: two voters gone for good, then the survivor's process dies too (no clean shutdown).
            for (NodeProcess p : lost) {
                p.kill();
            }
            survivor.kill();

            // A directory that is not a data directory is refused, and left as it was (no lock file either).
            Path notData = survivor.dataDir.resolveSibling("not-a-data-dir");
            Files.createDirectories(notData);
            Files.writeString(notData.resolve("notes.txt"), "not a node's data");
            Map<String, String> notDataBefore = DirectoryContents.of(notData);
            TallyProcess.Run wrong = TallyProcess.run("recover", "--data-dir", notData.toString(), "--id", survivor.id,
                    "--force-new-cluster");
            assertEquals(2, wrong.exit(), wrong.toString());
            assertTrue(wrong.err().contains("is not a node's data directory"), wrong.toString());
            assertEquals(notDataBefore, DirectoryContents.of(notData));
            // An id that is not a member of the directory's configuration: refused, nothing changed.
            before = DirectoryContents.of(survivor.dataDir);
            TallyProcess.Run stranger = TallyProcess.run("recover", "--data-dir", survivor.dataDir.toString(), "--id", "n9",
                    "--force-new-cluster");
            assertEquals(2, stranger.exit(), stranger.toString());
            assertTrue(stranger.err().contains("'n9' is not a member"), stranger.toString());
            assertEquals(before, DirectoryContents.of(survivor.dataDir));

            // Look first (--dry-run): every directory tells its last log index and term; nothing is written.
            long survivorApplied = applied.values().stream().mapToLong(NodeClient.Item::version).max().orElseThrow();
            for (NodeProcess p : initial) {
                before = DirectoryContents.of(p.dataDir);
                TallyProcess.Run look = TallyProcess.run("recover", "--data-dir", p.dataDir.toString(), "--id", p.id,
                        "--dry-run", "-o", "json");
                assertEquals(0, look.exit(), look.toString());
                JsonNode seen = new ObjectMapper().readTree(look.out());
                assertEquals(false, seen.get("written").asBoolean(), seen.toString());
                long ackedUpTo = c.acked.values().stream().mapToLong(NodeClient.Item::version).max().orElseThrow();
                assertTrue(seen.get("lastIndex").asLong() >= (p == survivor ? survivorApplied : ackedUpTo)
                        && seen.get("lastTerm").asLong() > 0, "every node had every acknowledged write: " + seen);
                assertEquals(before, DirectoryContents.of(p.dataDir), "a dry run writes nothing");
            }

            // Recover, through the CLI.
            TallyProcess.Run run = recover(survivor);
            assertEquals(0, run.exit(), run.toString());
            JsonNode doc = new ObjectMapper().readTree(run.out());
            assertTrue(doc.get("written").asBoolean(), doc.toString());
            assertTrue(doc.get("snapshotIndex").asLong() > 0, "the survivor held a snapshot: " + doc);
            assertTrue(doc.get("lastIndex").asLong() > doc.get("snapshotIndex").asLong(), "and a log after it: " + doc);
            assertTrue(doc.get("lastIndex").asLong() >= survivorApplied, doc.toString());
            assertEquals(lost.stream().map(p -> p.id).sorted().toList(),
                    List.of(doc.get("removed").get(0).asText(), doc.get("removed").get(1).asText()), doc.toString());

            // Started alone, the survivor leads its one-member cluster and serves every write it had applied.
            survivor.start(null);
            assertEquals(survivor, c.awaitLeader(Duration.ofSeconds(30), List.of(survivor)));
            ProcessMembershipTest.awaitVoters(survivor.httpAddress(), Set.of(survivor.id));
            c.commit(Duration.ofSeconds(20), List.of(survivor));
            assertKept(applied, state(c, survivor), survivor);

            // Grow back to three: two fresh nodes join through the survivor.
            List<NodeProcess> fresh = c.nodes.subList(3, 5);
            for (NodeProcess p : fresh) {
                p.start(null, List.of("--join", survivor.httpAddress()));
            }
            String endpoints = List.of(survivor, fresh.get(0), fresh.get(1)).stream().map(NodeProcess::httpAddress)
                    .collect(Collectors.joining(","));
            ProcessMembershipTest.awaitVoters(endpoints, Set.of(survivor.id, fresh.get(0).id, fresh.get(1).id));
            for (int i = 0; i < 20; i++) {
                c.commit(Duration.ofSeconds(20), fresh);
            }
            c.awaitCaughtUp(Duration.ofSeconds(60));
            Map<String, NodeClient.Item> reference = state(c, survivor);
            assertKept(applied, reference, survivor);
            for (NodeProcess p : fresh) {
                assertEquals(reference, state(c, p), p.id + " holds what the survivor holds");
            }
            c.verify(); // every acknowledged write (before and after the recovery) on all three, one leader per term
        }
    }

    private static TallyProcess.Run recover(NodeProcess p) throws Exception {
        return TallyProcess.run("recover", "--data-dir", p.dataDir.toString(), "--id", p.id, "--force-new-cluster",
                "-o", "json");
    }

    /** Every key the node has applied (a stale read of its local state). */
    private static Map<String, NodeClient.Item> state(ProcessCluster c, NodeProcess p) {
        return c.client.scanLocal(p.httpAddress(), "").stream()
                .collect(Collectors.toMap(NodeClient.Item::key, i -> i, (a, b) -> a, TreeMap::new));
    }

    /** Every key the survivor had applied is there, with its value and version. */
    private static void assertKept(Map<String, NodeClient.Item> applied, Map<String, NodeClient.Item> now, NodeProcess p) {
        for (NodeClient.Item item : applied.values()) {
            assertEquals(item, now.get(item.key()), p.id + " lost or changed " + item.key());
        }
    }
}
