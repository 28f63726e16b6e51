package io.tally.server;

import io.tally.client.Membership;
import io.tally.client.TallyClient;
import io.tally.server.cli.Tally;
import io.tally.testkit.harness.Poll;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.LinearizabilityChecker;
import io.tally.testkit.linearizability.Operation;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grows a 3-process cluster to 5 and shrinks it back to 3 with the {@code ./tally} commands an operator would
 * use, while five clients write and read: n4 joins with {@code ./tally server --join}, n5 is added with
 * {@code ./tally add-member} and then started empty; leadership is moved with {@code ./tally transfer-leader};
 * then two members are removed with {@code ./tally remove-member}, the leader among them. The whole history must
 * be linearizable, one leader per term, and the final members agree on every acknowledged write.
 */
class ProcessMembershipTest {

    @Test
    void growToFiveAndBackWhileClientsWrite() throws Exception {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong());
        System.out.println("ProcessMembershipTest seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
        List<Operation<KvModel.Input, String>> history = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        try (ProcessCluster c = ProcessCluster.loopback("membership", 5)) {
            NodeProcess n4 = c.node("n4");
            NodeProcess n5 = c.node("n5");
            c.start(c.nodes.subList(0, 3));
            NodeProcess leader = c.awaitLeader(Duration.ofSeconds(30));
            String endpoints = String.join(",", c.nodes.stream().map(NodeProcess::httpAddress).toList());
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                SplittableRandom rnd = new SplittableRandom(seed + i);
                List<String> eps = c.nodes.stream().map(NodeProcess::httpAddress).toList();
                Thread t = new Thread(() -> ProcessLinearizabilityTest.runClient(id, rnd, eps, history, stop), "client-" + i);
                clients.add(t);
                t.start();
            }
            ProcessLinearizabilityTest.awaitProgress(history, 100, "before growing");

            // n4: a new empty node that asks to join (as a voter, through catch-up).
            n4.start(null, List.of("--join", leader.httpAddress()));
            awaitVoters(endpoints, Set.of("n1", "n2", "n3", "n4"));
            ProcessLinearizabilityTest.awaitProgress(history, 100, "with four voters");

            // n5: added by the operator first, then started empty; it catches up and is promoted.
            Thread add = new Thread(() -> expectOk("add-member", "--endpoints", endpoints, "n5", n5.raftAddress(), n5.httpAddress()));
            add.start();
            n5.start(null);
            add.join(120_000);
            awaitVoters(endpoints, Set.of("n1", "n2", "n3", "n4", "n5"));
            ProcessLinearizabilityTest.awaitProgress(history, 100, "with five voters");

            // Move leadership to n5, then shrink back to three, removing the leader itself along the way.
            Run moved = tally("transfer-leader", "--endpoints", endpoints, "n5");
            assertEquals(0, moved.exit(), moved.toString());
            assertTrue(moved.out().contains("OK leader is n5"), moved.out());
            expectOk("remove-member", "--endpoints", endpoints, "n5");
            expectOk("remove-member", "--endpoints", endpoints, "n1");
            String remaining = String.join(",", List.of(c.node("n2").httpAddress(), c.node("n3").httpAddress(), n4.httpAddress()));
            awaitVoters(remaining, Set.of("n2", "n3", "n4"));
            ProcessLinearizabilityTest.awaitProgress(history, 100, "after shrinking to n2, n3, n4");
            Run members = tally("members", "--endpoints", remaining);
            assertEquals(0, members.exit(), members.toString());
            assertTrue(members.out().contains("n4") && !members.out().contains("\nn5 ") && !members.out().contains("\nn1 "),
                    members.out());
            for (NodeProcess removed : List.of(c.node("n1"), n5)) {
                Poll.until(removed.id + " reports it was removed", Duration.ofSeconds(10),
                        () -> c.client.status(removed.httpAddress()).ok()
                                && c.client.status(removed.httpAddress()).body().get("removed").asBoolean());
                removed.stop();
            }
            ProcessLinearizabilityTest.awaitProgress(history, 50, "with the removed nodes stopped");
            stop.set(true);
            for (Thread t : clients) {
                t.join(30_000);
            }
            c.verify();
        }
        long completed = history.stream().filter(o -> !o.outcomeUnknown()).count();
        System.out.printf("history: %d operations (%d with unknown outcome)%n", history.size(), history.size() - completed);
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(new KvModel(), new ArrayList<>(history), Duration.ofSeconds(60));
        assertTrue(r.ok(), r.report());
    }

    /** Waits until `./tally members` shows exactly these voters (and no joint configuration). */
    static void awaitVoters(String endpoints, Set<String> voters) {
        Poll.until("voters " + voters, Duration.ofSeconds(90), () -> {
            try {
                Membership m = members(endpoints);
                return !m.joint() && m.voters().equals(new TreeSet<>(voters));
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    private static Membership members(String endpoints) {
        try (TallyClient client = TallyClient.connect(TallyClient.parseEndpoints(endpoints), Duration.ofSeconds(2))) {
            return client.members();
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static void expectOk(String... args) {
        try {
            Run r = tally(args);
            assertEquals(0, r.exit(), "tally " + String.join(" ", args) + ": " + r);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs {@code ./tally ARGS} as a child JVM (the launcher's main class). */
    private static Run tally(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Tally.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("tally-out", ".txt");
        Path err = Files.createTempFile("tally-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(150, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tally " + String.join(" ", args) + " did not finish");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
