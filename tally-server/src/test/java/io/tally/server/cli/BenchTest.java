package io.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.server.ServerOptions;
import io.tally.server.TallyNode;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./tally bench} from one process: many request streams over fewer connections, against a live node. */
@Timeout(120)
class BenchTest {

    private static TallyNode node;
    private static String endpoint;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tally-bench-test");
        int raft = freePort();
        int http = freePort();
        endpoint = "127.0.0.1:" + http;
        node = new TallyNode(ServerOptions.parse(new String[] {"--id", "n1", "--data-dir", dir.resolve("n1").toString(),
                "--raft", "127.0.0.1:" + raft, "--http", endpoint, "--cluster", "n1=127.0.0.1:" + raft + "/" + endpoint,
                "--storage", "memory"}));
        Poll.until("n1 leads", Duration.ofSeconds(20), () -> node.raft().leader().isPresent());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void manyStreamsShareFewConnectionsAndTheResultsAreWrittenAsJson(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("bench.json");
        int exit = Bench.run(new String[] {"--endpoints", endpoint, "--clients", "40", "--connections", "4", "--ops", "400",
                "--warmup", "1ms", "--reads", "0.5", "--json", json.toString()});
        assertEquals(0, exit);
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(40, r.get("clients").asInt());
        assertEquals(4, r.get("connections").asInt());
        assertEquals(400, r.get("operations").asLong() + r.get("errors").asLong(), r.toString());
        assertEquals(0, r.get("errors").asLong(), r.toString());
        assertTrue(r.get("errorsByKind").isObject() && r.get("errorsByKind").isEmpty(), r.toString());
        assertTrue(r.get("writes").get("count").asLong() > 0 && r.get("reads").get("count").asLong() > 0, r.toString());
        assertTrue(r.get("writes").get("p999Ms").asDouble() >= r.get("writes").get("p50Ms").asDouble(), r.toString());
    }

    @Test
    void aRateHoldsTheStreamsBackAndIsRecorded(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("bench.json");
        // 100 operations at 200/s cannot take less than 99 intervals of 5 ms, however fast the node answers.
        int exit = Bench.run(new String[] {"--endpoints", endpoint, "--clients", "8", "--ops", "100", "--rate", "200",
                "--warmup", "1ms", "--json", json.toString()});
        assertEquals(0, exit);
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(100, r.get("operations").asLong() + r.get("errors").asLong(), r.toString());
        assertEquals(200.0, r.get("rate").asDouble(), r.toString());
        assertTrue(r.get("seconds").asDouble() >= 0.49, r.toString());
    }

    @Test
    void aNegativeRateIsAUsageError() {
        assertEquals(2, Bench.run(new String[] {"--endpoints", endpoint, "--rate", "-5"}));
        assertEquals(2, Bench.run(new String[] {"--endpoints", endpoint, "--rate", "NaN"}));
    }

    @Test
    void tooDeepAPipelineIsAUsageError() {
        assertEquals(2, Bench.run(new String[] {"--endpoints", endpoint, "--clients", "5000", "--connections", "2"}));
        assertEquals(2, Bench.run(new String[] {"--endpoints", endpoint, "--connections", "0"}));
    }
}
