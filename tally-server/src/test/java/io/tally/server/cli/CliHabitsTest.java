package io.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.server.InProcessCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tally.server.cli.CliRun.at;
import static io.tally.server.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CLI habits etcdctl users expect (issue 16 item 1), against a live three-node cluster in this JVM: {@code --help}
 * on every command, {@code --version}, the {@code TALLY_*} environment (in child JVMs), {@code -o json} and
 * {@code -o table}, values from standard input and {@code @FILE}, {@code --} before a value that starts with
 * {@code --}, the completion script, and the exit codes.
 */
@Timeout(300)
class CliHabitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static InProcessCluster cluster;
    private static String endpoints;

    @BeforeAll
    static void start() throws Exception {
        cluster = new InProcessCluster(3);
        cluster.awaitLeader();
        endpoints = cluster.http(0) + "," + cluster.http(1) + "," + cluster.http(2);
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static CliRun tally(String... args) {
        return tally(new byte[0], args);
    }

    /** {@code args[0]} (and the subcommand, for lease and snapshot) with --endpoints after it. */
    private static CliRun tally(byte[] stdin, String... args) {
        int names = args[0].equals("lease") || args[0].equals("snapshot") ? 2 : 1;
        return run(stdin, at(endpoints, List.of(args).subList(0, names), Arrays.copyOfRange(args, names, args.length)));
    }

    private static JsonNode json(CliRun r) throws IOException {
        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, r.lines().size(), "one JSON document on one line: " + r.out());
        return JSON.readTree(r.out());
    }

    @Test
    void everyCommandAndSubcommandHasHelpThatExitsZero() {
        List<List<String>> paths = new ArrayList<>();
        collect(Tally.commandLine(Console.system()), List.of(), paths);
        assertTrue(paths.size() >= 25, paths.toString());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            CliRun r = run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), path + ": " + r);
            assertTrue(r.out().contains("Usage:"), path + ": " + r.out());
        }
        CliRun get = run("get", "--help");
        assertTrue(get.out().contains("--endpoints") && get.out().contains("TALLY_ENDPOINTS") && get.out().contains("-o, --output"),
                get.out());
        CliRun server = run("server", "--help");
        for (String flag : List.of("--id", "--data-dir", "--raft", "--http", "--cluster", "--cluster-id", "--config", "--join")) {
            assertTrue(server.out().contains(flag), flag);
        }
        assertEquals(0, run("help", "lease").exit());
        assertEquals(0, run("--help").exit());
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            if (!(p.size() == 2 && p.get(0).equals("bench") && p.get(1).equals("compare"))) {
                out.add(p);
            }
            collect(e.getValue(), p, out);
        }
    }

    @Test
    void versionPrintsTheBuildsVersionAndTheJavaRuntime() {
        CliRun r = run("--version");
        assertEquals(0, r.exit());
        assertTrue(r.out().matches("(?s)tally \\d+\\.\\d+\\.\\d+[^\\s]*\\nJava .*"), r.out());
        assertFalse(r.out().contains("${"), "the version is filtered in at build time");
        assertEquals(0, run("-V").exit());
    }

    @Test
    void usageErrorsExitTwoNamingTheProblem() {
        CliRun none = run();
        assertEquals(ExitCode.USAGE, none.exit());
        assertTrue(none.err().contains("Usage:"), none.err());
        CliRun unknown = run("frobnicate");
        assertEquals(ExitCode.USAGE, unknown.exit());
        assertTrue(unknown.err().contains("frobnicate"), unknown.err());
        CliRun missing = tally("put", "only-a-key");
        assertEquals(ExitCode.USAGE, missing.exit());
        assertTrue(missing.err().contains("VALUE") && missing.err().contains("tally put --help"), missing.err());
        assertEquals(ExitCode.USAGE, tally("get", "k", "--bogus", "x").exit());
        CliRun timeout = tally("get", "k", "--timeout", "soon");
        assertEquals(ExitCode.USAGE, timeout.exit());
        assertTrue(timeout.err().contains("not a duration"), timeout.err());
        assertEquals(ExitCode.USAGE, tally("get", "k", "-o", "yaml").exit());
        assertEquals(ExitCode.USAGE, run("get", "k", "--endpoints", "nohost").exit());
        assertEquals(ExitCode.USAGE, tally("get", "k", "--timeout", "1s", "--timeout", "2s").exit(), "a flag given twice");
        assertEquals(ExitCode.USAGE, run("lease").exit());
        assertEquals(ExitCode.USAGE, run("completion", "fish").exit());
    }

    @Test
    void valuesComeFromArgumentsStandardInputFilesAndAfterDoubleDash(@TempDir Path tmp) throws Exception {
        byte[] binary = {0, 1, 2, '\n', (byte) 0xff, 'x'};
        assertEquals(0, tally(binary, "put", "val/stdin", "-").exit());
        CliRun got = tally("get", "val/stdin");
        byte[] expected = Arrays.copyOf(binary, binary.length + 1);
        expected[binary.length] = '\n';
        assertArrayEquals(expected, got.outBytes(), "byte for byte, then a line break");

        Path file = Files.write(tmp.resolve("value.bin"), new byte[] {'f', 'i', 'l', 'e', '\n'});
        assertEquals(0, tally("put", "val/file", "@" + file).exit());
        assertEquals("file\n\n", tally("get", "val/file").out());

        assertEquals(0, tally("put", "val/dash", "--", "--looks-like-a-flag").exit());
        assertEquals("--looks-like-a-flag\n", tally("get", "val/dash").out());
        assertEquals(0, tally("put", "--literal", "val/at", "@not-a-file").exit());
        assertEquals("@not-a-file\n", tally("get", "val/at").out());
        assertEquals(0, tally("in".getBytes(StandardCharsets.UTF_8), "put", "val/-", "--", "-").exit());
        assertEquals("in\n", tally("get", "val/-").out(), "a lone - after -- still reads standard input");

        CliRun missing = tally("put", "val/x", "@" + tmp.resolve("absent"));
        assertEquals(ExitCode.USAGE, missing.exit());
        assertTrue(missing.err().contains("no such file"), missing.err());
        assertEquals(ExitCode.FAILED, tally("get", "val/x").exit(), "nothing written");

        byte[] txn = ("{\"success\": [{\"op\": \"put\", \"key\": \"val/txn\", \"value\": \""
                + Base64.getEncoder().encodeToString("t".getBytes(StandardCharsets.UTF_8)) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        assertEquals(0, tally(txn, "txn").exit());
        Path txnFile = Files.write(tmp.resolve("txn.json"), txn);
        assertEquals(0, tally("txn", "@" + txnFile).exit());
        assertEquals("t\n", tally("get", "val/txn").out());
    }

    @Test
    void jsonAndTableOutputOnTheCommandsThatPrintData() throws Exception {
        JsonNode put = json(tally("put", "out/a", "hello", "-o", "json"));
        long version = put.get("version").asLong();
        assertEquals("out/a", put.get("key").asText());
        JsonNode get = json(tally("get", "out/a", "-o", "json"));
        assertEquals("hello", new String(Base64.getDecoder().decode(get.get("value").asText()), StandardCharsets.UTF_8));
        assertEquals(version, get.get("version").asLong());
        assertEquals(version, get.get("created").asLong());
        assertTrue(get.get("revision").asLong() >= version);
        JsonNode scan = json(tally("scan", "out/", "-o", "json"));
        assertEquals(1, scan.get("items").size());
        assertFalse(scan.get("more").asBoolean());
        assertEquals(1, json(tally("scan", "out/", "--count", "-o", "json")).get("count").asLong());
        JsonNode status = json(tally("status", "-o", "json"));
        assertEquals(3, status.get("members").size());
        JsonNode members = json(tally("members", "-o", "json"));
        assertTrue(members.get("index").asLong() >= 1);
        JsonNode lease = json(tally("lease", "grant", "30s", "-o", "json"));
        String id = lease.get("id").asText();
        assertEquals("30s", lease.get("ttl").asText());
        assertEquals(0, tally("put", "out/leased", "x", "--lease", id).exit());
        assertEquals(List.of("out/leased"), List.of(json(tally("lease", "show", id, "-o", "json")).get("keys").get(0).asText()));
        assertEquals("30s", json(tally("lease", "keepalive", id, "--once", "-o", "json")).get("ttl").asText());
        assertEquals(1, json(tally("lease", "revoke", id, "-o", "json")).get("deleted").asLong());
        JsonNode deleted = json(tally("delete", "out/a", "-o", "json"));
        assertTrue(deleted.get("deleted").asBoolean());

        assertEquals(0, tally("put", "out/t1", "one").exit());
        CliRun table = tally("scan", "out/", "-o", "table");
        assertEquals(0, table.exit());
        assertTrue(table.lines().get(0).matches("KEY\\s+VERSION\\s+CREATED\\s+LEASE\\s+VALUE"), table.out());
        assertTrue(table.lines().get(1).matches("out/t1\\s+\\d+\\s+\\d+\\s+-\\s+one"), table.out());
        CliRun membersTable = tally("members", "-o", "table");
        assertTrue(membersTable.lines().get(0).matches("ID\\s+RAFT\\s+HTTP\\s+ROLE"), membersTable.out());
    }

    @Test
    void exitCodesSayWhatHappened() {
        assertEquals(0, tally("put", "exit/k", "v").exit());
        assertEquals(ExitCode.FAILED, tally("get", "exit/absent").exit());
        assertEquals(ExitCode.FAILED, tally("put", "exit/k", "w", "--cas", "0").exit(), "compare-and-set failed");
        assertEquals(ExitCode.FAILED, tally("delete", "exit/absent").exit());
        assertEquals(ExitCode.FAILED, tally("lease", "show", "999999").exit(), "no such lease");
        assertEquals(ExitCode.USAGE, tally("lease", "show", "abc").exit());
        assertEquals(ExitCode.FAILED, tally("put", "exit/l", "v", "--lease", "999999").exit());
        assertEquals(ExitCode.FAILED, tally("{\"compare\": [{\"key\": \"exit/k\", \"exists\": false}]}".getBytes(StandardCharsets.UTF_8),
                "txn").exit(), "the comparison failed");
        CliRun malformed = tally("{\"compare\": 3}".getBytes(StandardCharsets.UTF_8), "txn");
        assertEquals(ExitCode.USAGE, malformed.exit());
        assertTrue(malformed.err().contains("compare must be an array"), malformed.err());
        CliRun unavailable = run("get", "exit/k", "--endpoints", "127.0.0.1:1", "--timeout", "1s");
        assertEquals(ExitCode.UNAVAILABLE, unavailable.exit(), unavailable.toString());
        assertTrue(unavailable.err().contains("cluster unavailable"), unavailable.err());
    }

    @Test
    void theCompletionScriptCompletesCommandsSubcommandsAndFlags(@TempDir Path tmp) throws Exception {
        CliRun bash = run("completion", "bash");
        assertEquals(0, bash.exit());
        assertTrue(bash.out().contains("complete -F _complete_tally"), "registers tally");
        CliRun zsh = run("completion", "zsh");
        assertEquals(0, zsh.exit());
        assertTrue(zsh.out().contains("bashcompinit"), "zsh loads its bash completion support");
        Path script = Files.writeString(tmp.resolve("tally.bash"), bash.out());
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash here: the script is not run");
        assertEquals("lease", complete(script, "tally", "le"));
        assertEquals("grant", complete(script, "tally", "lease", "gr"));
        assertEquals("--literal --lease", complete(script, "tally", "put", "--l"));
        assertEquals("--cluster --cluster-id", complete(script, "./tally", "server", "--clu"));
    }

    /** What bash completes for the last word of {@code words}, with the script loaded. */
    private static String complete(Path script, String... words) throws Exception {
        String array = String.join(" ", words);
        String cmd = "source '" + script + "' 2>/dev/null; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
                + "; COMP_LINE='" + array + "'; COMP_POINT=${#COMP_LINE}; _complete_tally 2>/dev/null; echo \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("/bin/bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void theEnvironmentGivesEveryClientFlagItsDefault() throws Exception {
        assertEquals(0, tally("put", "env/k", "from-env").exit());
        Env r = child(Map.of("TALLY_ENDPOINTS", endpoints), "get", "env/k");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("from-env\n", r.out());
        Env json = child(Map.of("TALLY_ENDPOINTS", endpoints, "TALLY_OUTPUT", "json", "TALLY_CONSISTENCY", "stale"), "get", "env/k");
        assertEquals(0, json.exit(), json.toString());
        assertEquals("env/k", JSON.readTree(json.out()).get("key").asText());
        Env flagWins = child(Map.of("TALLY_ENDPOINTS", "127.0.0.1:1", "TALLY_OUTPUT", "json"), "get", "env/k", "--endpoints",
                endpoints, "-o", "simple");
        assertEquals("from-env\n", flagWins.out(), "a flag wins over the environment");
        Env badTimeout = child(Map.of("TALLY_ENDPOINTS", endpoints, "TALLY_TIMEOUT", "forever"), "get", "env/k");
        assertEquals(ExitCode.USAGE, badTimeout.exit(), badTimeout.toString());
        Env unreachable = child(Map.of("TALLY_ENDPOINTS", "127.0.0.1:1", "TALLY_TIMEOUT", "1s"), "get", "env/k");
        assertEquals(ExitCode.UNAVAILABLE, unreachable.exit(), unreachable.toString());
    }

    private record Env(int exit, String out, String err) {
    }

    /** {@code ./tally args} in a child JVM with these environment variables. */
    private static Env child(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Tally.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("TALLY_"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile("tally-env", ".out");
        Path err = Files.createTempFile("tally-env", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tally " + String.join(" ", args) + " did not finish");
            }
            return new Env(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
