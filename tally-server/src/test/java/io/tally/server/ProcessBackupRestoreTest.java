package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.client.Consistency;
import io.tally.client.KeyValue;
import io.tally.client.TallyClient;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backup and restore on real processes (docs/operations.md, "Backups"): {@code ./tally snapshot save} from a cluster
 * that took writes, overwrites and deletes; {@code snapshot status} checks the file; {@code snapshot restore} writes
 * each member's data directory of a new cluster, which starts with every key, value, version and creation revision of
 * the backup and takes new writes. A backup with one flipped byte is refused (exit 1) and no data directory is
 * written; a restore into a directory that is not empty is refused (exit 2) and the directory is left as it was.
 */
class ProcessBackupRestoreTest {

    private static final int KEYS = 300;

    @Test
    void aBackupRestoresIntoANewClusterWithEveryKeyAndADamagedOneIsRefused() throws Exception {
        long seed = System.nanoTime();
        System.out.println("ProcessBackupRestoreTest seed " + seed);
        Random random = new Random(seed);
        Path work = Path.of("target", "process-tests", "backup-" + ProcessHandle.current().pid()).toAbsolutePath();
        ProcessCluster.deleteRecursively(work);
        Files.createDirectories(work);
        Path backup = work.resolve("cluster.backup");

        Map<String, String> expected;
        long lastWrite = 0;
        try (ProcessCluster source = ProcessCluster.loopback("backup-source", 3)) {
            for (NodeProcess p : source.nodes) {
                p.extraFlags().addAll(List.of("--snapshot-entries", "100"));
            }
            source.startAll();
            source.awaitLeader(Duration.ofSeconds(30));
            for (int i = 0; i < KEYS; i++) {
                lastWrite = Math.max(lastWrite, source.commit(Duration.ofSeconds(20)));
            }
            try (TallyClient client = TallyClient.connect(endpoints(source.nodes), Duration.ofSeconds(20))) {
                // Keys known to be there: acknowledged ones (a write whose answer timed out was retried under another key).
                List<String> acked = List.copyOf(source.acked.keySet());
                for (int i = 0; i < 10; i++) {
                    lastWrite = Math.max(lastWrite, client.put(acked.get(i), ("overwritten " + i).getBytes(StandardCharsets.UTF_8)));
                    assertTrue(client.delete(acked.get(100 + i)));
                }
                for (int i = 0; i < 5; i++) {
                    byte[] value = new byte[1 + random.nextInt(2000)];
                    random.nextBytes(value);
                    lastWrite = Math.max(lastWrite, client.put("bin/" + i, value));
                }
                expected = state(client, Consistency.LINEARIZABLE);
            }
            assertTrue(expected.size() >= KEYS - 10 + 5, expected.size() + " keys");

            TallyProcess.Run save = TallyProcess.run("snapshot", "save", backup.toString(), "--endpoints",
                    String.join(",", endpoints(source.nodes)), "-o", "json");
            assertEquals(0, save.exit(), save.toString());
            JsonNode saved = new ObjectMapper().readTree(save.out());
            assertEquals(expected.size(), saved.get("keys").asInt(), saved.toString());
            assertTrue(saved.get("revision").asLong() >= lastWrite, "the backup holds every acknowledged write: " + saved);
            assertFalse(Files.exists(backup.resolveSibling(backup.getFileName() + ".part")));
        }

        TallyProcess.Run status = TallyProcess.run("snapshot", "status", backup.toString(), "-o", "json");
        assertEquals(0, status.exit(), status.toString());
        JsonNode info = new ObjectMapper().readTree(status.out());
        assertEquals(expected.size(), info.get("keys").asInt(), info.toString());
        assertEquals(Files.size(backup), info.get("bytes").asLong());

        try (ProcessCluster target = ProcessCluster.loopback("backup-target", 3)) {
            String cluster = target.clusterFlag();

            // A damaged backup (one byte flipped, in the middle): refused by status and by restore; nothing written.
            Path damaged = work.resolve("damaged.backup");
            byte[] bytes = Files.readAllBytes(backup);
            int at = bytes.length / 2;
            bytes[at] ^= 0x01;
            System.out.println("ProcessBackupRestoreTest: flipped the byte at offset " + at + " of " + bytes.length);
            Files.write(damaged, bytes);
            TallyProcess.Run badStatus = TallyProcess.run("snapshot", "status", damaged.toString());
            assertEquals(1, badStatus.exit(), badStatus.toString());
            assertTrue(badStatus.err().contains("is not a good backup"), badStatus.toString());
            NodeProcess first = target.nodes.get(0);
            for (List<String> name : List.of(List.<String>of(), List.of("--cluster-id", "named"))) {
                Map<String, String> parentBefore = DirectoryContents.of(first.dataDir.getParent());
                List<String> args = new java.util.ArrayList<>(List.of("snapshot", "restore", damaged.toString(),
                        "--data-dir", first.dataDir.toString(), "--id", first.id, "--cluster", cluster));
                args.addAll(name);
                TallyProcess.Run bad = TallyProcess.run(args.toArray(String[]::new));
                assertEquals(1, bad.exit(), bad.toString());
                assertTrue(bad.err().contains("checksum mismatch") || bad.err().contains("damaged"), bad.toString());
                assertFalse(Files.exists(first.dataDir), "no data directory written: " + bad);
                assertEquals(parentBefore, DirectoryContents.of(first.dataDir.getParent()), "nothing left beside it");
            }

            // A directory that is not empty: refused, left as it was.
            Path occupied = work.resolve("occupied");
            Files.createDirectories(occupied);
            Files.writeString(occupied.resolve("keep.txt"), "someone's data");
            Map<String, String> occupiedBefore = DirectoryContents.of(occupied);
            TallyProcess.Run full = TallyProcess.run("snapshot", "restore", backup.toString(), "--data-dir", occupied.toString(),
                    "--id", first.id, "--cluster", cluster);
            assertEquals(2, full.exit(), full.toString());
            assertTrue(full.err().contains("is not empty"), full.toString());
            assertEquals(occupiedBefore, DirectoryContents.of(occupied));

            // Restore every member of the new cluster from the good backup, then start them.
            String clusterId = null;
            for (NodeProcess p : target.nodes) {
                TallyProcess.Run r = TallyProcess.run("snapshot", "restore", backup.toString(), "--data-dir",
                        p.dataDir.toString(), "--id", p.id, "--cluster", cluster, "-o", "json");
                assertEquals(0, r.exit(), r.toString());
                JsonNode doc = new ObjectMapper().readTree(r.out());
                assertEquals(info.get("revision").asLong(), doc.get("revision").asLong(), doc.toString());
                assertEquals(expected.size(), doc.get("keys").asInt(), doc.toString());
                assertTrue(clusterId == null || clusterId.equals(doc.get("clusterId").asText()), "one name on every member");
                clusterId = doc.get("clusterId").asText();
                assertEquals("restored-" + info.get("sha256").asText().substring(0, 12), clusterId);
            }
            for (NodeProcess p : target.nodes) {
                p.clusterId(clusterId);
                p.start(null);
            }
            target.awaitLeader(Duration.ofSeconds(30));
            // Every member holds every key of the backup, as it was (local reads, once each has the snapshot applied).
            for (NodeProcess p : target.nodes) {
                try (TallyClient client = TallyClient.connect(List.of(p.httpAddress()), Duration.ofSeconds(20))) {
                    Map<String, String> mine = Poll.until(p.id + " holds the backup's keys", Duration.ofSeconds(30), () -> {
                        Map<String, String> s = state(client, Consistency.STALE);
                        return s.equals(expected) ? java.util.Optional.of(s) : java.util.Optional.empty();
                    });
                    assertEquals(expected, mine);
                }
            }
            // The new cluster takes writes after the backup's revision.
            long next = target.commit(Duration.ofSeconds(20));
            assertTrue(next > info.get("revision").asLong(), "revision " + next);
            target.awaitCaughtUp(Duration.ofSeconds(30));
            target.verify();
        }
    }

    private static List<String> endpoints(List<NodeProcess> nodes) {
        return nodes.stream().map(NodeProcess::httpAddress).toList();
    }

    /** Every key with its value (hex), version and creation revision, read with {@code consistency}. */
    private static Map<String, String> state(TallyClient client, Consistency consistency) {
        List<KeyValue> all = client.scan("", 10_000, consistency, Duration.ofSeconds(10));
        return all.stream().collect(Collectors.toMap(KeyValue::key,
                kv -> HexFormat.of().formatHex(kv.value()) + " v" + kv.version() + " c" + kv.created(), (a, b) -> a, TreeMap::new));
    }
}
