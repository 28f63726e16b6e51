package io.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.server.InProcessCluster;
import io.tally.testkit.harness.Poll;
import io.tally.transport.netty.tls.CertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The security commands and client flags of {@code ./tally} (docs/security.md) against three nodes in this JVM with
 * TLS on the HTTP port and client certificates required: every command line carries {@code --cacert}, {@code --cert}
 * and {@code --key}. It creates root, a role on {@code a/} and a user holding it, turns authentication on, checks
 * through the CLI that the user writes {@code a/x} and is refused {@code b/x} (exit 4, nothing applied), that wrong,
 * missing and changed credentials and a wrong CA fail clearly with the documented exit codes, that the {@code TALLY_*}
 * environment supplies the flags (in a child JVM), then turns authentication off.
 */
@Timeout(300)
class CliSecurityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static InProcessCluster cluster;
    private static String endpoints;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tally-cli-security");
        CertificateAuthority ca = CertificateAuthority.create("cli test CA", Duration.ofDays(1));
        ca.write(dir, "ca");
        for (String name : List.of("node", "client")) {
            ca.issue(name, List.of(name, "localhost"), List.of("127.0.0.1"), Duration.ofDays(1)).write(dir, name);
        }
        CertificateAuthority other = CertificateAuthority.create("another CA", Duration.ofDays(1));
        other.write(dir, "other-ca");
        cluster = new InProcessCluster(3, "--tls-cert", file("node.crt"), "--tls-key", file("node.key"),
                "--tls-client-ca", file("ca.crt"), "--tls-ca", file("ca.crt"));
        cluster.awaitLeader();
        endpoints = "https://" + cluster.http(0) + ",https://" + cluster.http(1) + ",https://" + cluster.http(2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String file(String name) {
        return dir.resolve(name).toString();
    }

    /** {@code ./tally args} with the endpoints and the TLS flags. */
    private static CliRun tally(String... args) {
        return tallyIn(new byte[0], args);
    }

    private static CliRun tallyIn(byte[] stdin, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoints", endpoints, "--cacert", file("ca.crt"), "--cert", file("client.crt"),
                "--key", file("client.key")));
        return CliRun.run(stdin, all.toArray(String[]::new));
    }

    private static CliRun ok(CliRun r) {
        assertEquals(ExitCode.OK, r.exit(), r.toString());
        return r;
    }

    private static void refused(CliRun r, int exit, String message) {
        assertEquals(exit, r.exit(), r.toString());
        assertTrue(r.err().contains(message), r.toString());
    }

    /** Nothing was applied at {@code key}: root reads it as absent. */
    private static void absent(String key) {
        refused(tally("get", key, "--user", "root:rootpw"), ExitCode.FAILED, "not found");
    }

    @Test
    void usersRolesAndAuthenticationThroughTheCli() throws Exception {
        // While authentication is off, anyone may administer it.
        assertEquals("user root added\n", ok(tally("user", "add", "root", "--password", "rootpw")).out());
        ok(tally("role", "add", "a-rw"));
        assertEquals("role a-rw may read and write keys under 'a/'\n",
                ok(tally("role", "grant", "a-rw", "--prefix", "a/", "--read", "--write")).out());
        ok(tallyIn("apppw\n".getBytes(StandardCharsets.UTF_8), "user", "add", "app", "--password", "-"));
        ok(tally("user", "grant-role", "app", "a-rw"));
        refused(tally("user", "add", "app", "--password", "x"), ExitCode.FAILED, "user-exists");
        refused(tally("user", "add", "nopassword"), ExitCode.USAGE, "no terminal");
        refused(tally("role", "grant", "a-rw", "--prefix", "a/"), ExitCode.USAGE, "--read, --write or both");
        refused(tally("auth", "token", "--user", "app:apppw"), ExitCode.FAILED, "auth-not-enabled");

        assertEquals("authentication enabled\n", ok(tally("auth", "enable")).out());
        Poll.until("authentication on at every node", Duration.ofSeconds(10), () -> List.of(0, 1, 2).stream().allMatch(i -> {
            CliRun s = CliRun.run("auth", "status", "-o", "json", "--endpoints", "https://" + cluster.http(i), "--cacert",
                    file("ca.crt"), "--cert", file("client.crt"), "--key", file("client.key"));
            return s.exit() == 0 && s.out().contains("\"enabled\":true");
        }));
        JsonNode status = JSON.readTree(ok(tally("auth", "status", "-o", "json")).out());
        assertTrue(status.get("enabled").asBoolean() && status.get("rootUser").asBoolean(), status.toString());

        // The user writes and reads under a/, and is refused b/: nothing applied there.
        ok(tally("put", "a/x", "1", "--user", "app:apppw"));
        assertEquals("1\n", ok(tally("get", "a/x", "--user", "app:apppw")).out());
        // The client flags may come before the command's name, as etcdctl takes them.
        assertEquals("1\n", ok(CliRun.run("--endpoints", endpoints, "--cacert", file("ca.crt"), "--cert=" + file("client.crt"),
                "--key", file("client.key"), "--user", "app:apppw", "get", "a/x")).out());
        refused(tally("put", "b/x", "1", "--user", "app:apppw"), ExitCode.DENIED, "permission denied");
        absent("b/x");
        // Missing and wrong credentials, a token, a wrong CA.
        refused(tally("get", "a/x"), ExitCode.DENIED, "not authenticated");
        refused(tally("put", "a/wrong", "1", "--user", "app:wrong"), ExitCode.DENIED, "wrong user name or password");
        absent("a/wrong");
        refused(tally("get", "a/x", "--user", "app"), ExitCode.USAGE, "no terminal");
        refused(tally("get", "a/x", "--user", "app:apppw", "--token", "t"), ExitCode.USAGE, "not both");
        String token = ok(tally("auth", "token", "--user", "app:apppw")).out().strip();
        assertEquals("1\n", ok(tally("get", "a/x", "--token", token)).out());
        refused(tally("get", "a/x", "--token", token + "x"), ExitCode.DENIED, "not authenticated");
        refused(CliRun.run("get", "a/x", "--user", "app:apppw", "--endpoints", endpoints, "--cacert", file("other-ca.crt"),
                "--cert", file("client.crt"), "--key", file("client.key")), ExitCode.UNAVAILABLE, "TLS handshake with");
        refused(CliRun.run("get", "a/x", "--endpoints", endpoints, "--cert", file("client.crt")), ExitCode.USAGE,
                "--cert needs --key");
        refused(CliRun.run("get", "a/x", "--endpoints", endpoints, "--cacert", file("nope.crt")), ExitCode.USAGE,
                "nope.crt");
        // Only root administers: app may not list users.
        refused(tally("user", "list", "--user", "app:apppw"), ExitCode.DENIED, "permission denied");
        JsonNode users = JSON.readTree(ok(tally("user", "list", "-o", "json", "--user", "root:rootpw")).out());
        assertTrue(users.get("users").toString().contains("{\"name\":\"app\",\"roles\":[\"a-rw\"]}"), users.toString());
        JsonNode roles = JSON.readTree(ok(tally("role", "list", "-o", "json", "--user", "root:rootpw")).out());
        assertTrue(roles.get("roles").toString().contains(
                "{\"name\":\"a-rw\",\"permissions\":[{\"prefix\":\"a/\",\"read\":true,\"write\":true}]}"), roles.toString());

        // The environment gives every client flag its default (a child JVM).
        Env env = child(Map.of("TALLY_ENDPOINTS", endpoints, "TALLY_CACERT", file("ca.crt"), "TALLY_CERT", file("client.crt"),
                "TALLY_KEY", file("client.key"), "TALLY_USER", "app:apppw"), "get", "a/x");
        assertEquals(0, env.exit(), env.toString());
        assertEquals("1\n", env.out());
        Env envToken = child(Map.of("TALLY_ENDPOINTS", endpoints, "TALLY_CACERT", file("ca.crt"), "TALLY_CERT", file("client.crt"),
                "TALLY_KEY", file("client.key"), "TALLY_TOKEN", token), "get", "a/x");
        assertEquals("1\n", envToken.out(), envToken.toString());

        // A new password voids the old one; a revoked permission and role refuse again.
        ok(tally("user", "passwd", "app", "--password", "apppw2", "--user", "root:rootpw"));
        refused(tally("get", "a/x", "--user", "app:apppw"), ExitCode.DENIED, "not authenticated");
        ok(tally("get", "a/x", "--user", "app:apppw2"));
        assertEquals("role a-rw may no longer write keys under 'a/'\n",
                ok(tally("role", "revoke", "a-rw", "--prefix", "a/", "--write", "--user", "root:rootpw")).out());
        refused(tally("put", "a/after-revoke", "1", "--user", "app:apppw2"), ExitCode.DENIED, "permission denied");
        absent("a/after-revoke");
        ok(tally("get", "a/x", "--user", "app:apppw2"));
        ok(tally("user", "revoke-role", "app", "a-rw", "--user", "root:rootpw"));
        refused(tally("get", "a/x", "--user", "app:apppw2"), ExitCode.DENIED, "permission denied");
        ok(tally("role", "delete", "a-rw", "--user", "root:rootpw"));
        ok(tally("user", "delete", "app", "--user", "root:rootpw"));
        refused(tally("get", "a/x", "--user", "app:apppw2"), ExitCode.DENIED, "not authenticated");

        refused(tally("auth", "disable", "--user", "app:apppw2"), ExitCode.DENIED, "not authenticated");
        assertEquals("authentication disabled\n", ok(tally("auth", "disable", "--user", "root:rootpw")).out());
        Poll.until("authentication off", Duration.ofSeconds(10), () -> tally("auth", "status").out().startsWith("authentication off"));
        ok(tally("put", "b/x", "2"));
        assertEquals("2\n", ok(tally("get", "b/x")).out());
    }

    @Test
    void clientFlagsBeforeTheCommandMoveAfterItsWordsAndBeforeDoubleDash() {
        assertEquals(List.of("get", "k", "--cacert", "ca", "--user=u:p"),
                List.of(LeadingFlags.moved(new String[] {"--cacert", "ca", "--user=u:p", "get", "k"})));
        assertEquals(List.of("put", "--endpoints", "e", "--", "k", "--v"),
                List.of(LeadingFlags.moved(new String[] {"--endpoints", "e", "put", "--", "k", "--v"})));
        assertEquals(List.of("--bogus", "x", "get", "k"), List.of(LeadingFlags.moved(new String[] {"--bogus", "x", "get", "k"})));
        assertEquals(List.of("--cacert"), List.of(LeadingFlags.moved(new String[] {"--cacert"})));
        assertEquals(ExitCode.USAGE, CliRun.run("--cacert", "ca.pem").exit());
    }

    private record Env(int exit, String out, String err) {
    }

    /** {@code ./tally args} in a child JVM with these environment variables (and no other TALLY_*). */
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
