package io.tally.server;

import io.tally.kv.auth.AuthState;
import io.tally.kv.auth.Token;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Authentication and per-prefix permissions on three node processes (docs/security.md): every refusal is 401
 * {@code unauthenticated} or 403 {@code permission-denied} and applies nothing — checked on every node afterwards,
 * by root, from its local state. Requests go to a follower, so that the follower's checks and the leader's own
 * (a forwarded request is authenticated again there) are both on the path.
 */
class AuthProcessTest {

    private static ProcessCluster cluster;
    private static String leader;
    private static String follower;
    private static final TestHttp http = new TestHttp();

    @BeforeAll
    static void start() throws Exception {
        cluster = ProcessCluster.loopback("auth", 3);
        for (NodeProcess p : cluster.nodes) {
            p.extraFlags().addAll(List.of("--auth-token-ttl", "3s"));
        }
        cluster.startAll();
        NodeProcess l = cluster.awaitLeader(Duration.ofSeconds(30));
        leader = l.httpAddress();
        follower = cluster.nodes.stream().filter(p -> p != l).findFirst().orElseThrow().httpAddress();
        // Set up through the follower while authentication is off: anyone may.
        ok(http.call(follower, "POST", "/v1/auth/users", "{\"name\": \"root\", \"password\": \"rootpw\"}", Map.of()));
        for (String u : List.of("reader", "writer", "nobody")) {
            ok(http.call(follower, "POST", "/v1/auth/users", "{\"name\": \"" + u + "\", \"password\": \"" + u + "pw\"}", Map.of()));
        }
        ok(http.call(follower, "POST", "/v1/auth/roles", "{\"name\": \"a-read\"}", Map.of()));
        ok(http.call(follower, "POST", "/v1/auth/roles", "{\"name\": \"a-rw\"}", Map.of()));
        ok(http.call(follower, "POST", "/v1/auth/roles/a-read/grant", "{\"prefix\": \"a/\", \"read\": true}", Map.of()));
        ok(http.call(follower, "POST", "/v1/auth/roles/a-rw/grant", "{\"prefix\": \"a/\", \"read\": true, \"write\": true}", Map.of()));
        ok(http.call(follower, "POST", "/v1/auth/users/reader/grant-role", "{\"role\": \"a-read\"}", Map.of()));
        ok(http.call(follower, "POST", "/v1/auth/users/writer/grant-role", "{\"role\": \"a-rw\"}", Map.of()));
        ok(http.call(follower, "PUT", "/v1/kv/b/k", "root's", Map.of()));
        ok(http.call(follower, "PUT", "/v1/kv/a/k", "a value", Map.of()));
        ok(http.call(follower, "POST", "/v1/auth/enable", "", Map.of()));
        Poll.until("auth on everywhere", Duration.ofSeconds(10), () -> cluster.nodes.stream().allMatch(p ->
                http.call(p.httpAddress(), "GET", "/v1/auth/status", null, Map.of()).json().get("enabled").asBoolean()));
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static TestHttp.Resp ok(TestHttp.Resp r) {
        assertEquals(200, r.status(), r.toString());
        return r;
    }

    private static void refused(TestHttp.Resp r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(code, r.code(), r.toString());
    }

    private static String root() {
        return http.token(follower, "root", "rootpw");
    }

    /** Every node's own state holds no key under {@code prefix} (read by root, stale: what each node applied). */
    private static void nothingUnder(String prefix) {
        String t = root();
        ok(http.call(leader, "PUT", "/v1/kv/barrier", "x", t)); // every earlier write applied on the leader before this
        String rev = ok(http.call(leader, "GET", "/v1/kv/barrier", null, t)).raw().headers().firstValue("X-Tally-Version").orElseThrow();
        for (NodeProcess p : cluster.nodes) {
            Poll.until(p.id + " applied the barrier", Duration.ofSeconds(10), () -> http.call(p.httpAddress(), "GET",
                    "/v1/kv/barrier?consistency=stale", null, t).status() == 200);
            TestHttp.Resp r = ok(http.call(p.httpAddress(), "GET", "/v1/kv?prefix=" + prefix + "&consistency=stale", null, t));
            assertEquals(0, r.json().get("items").size(), p.id + " holds keys under " + prefix + ": " + r + " (barrier " + rev + ")");
        }
    }

    @Test
    void noBadExpiredOrForgedCredentialsAreUnauthenticated() {
        refused(http.call(follower, "PUT", "/v1/kv/a/none", "x", Map.of()), 401, "unauthenticated");
        refused(http.call(follower, "PUT", "/v1/kv/a/none", "x", "garbage"), 401, "unauthenticated");
        refused(http.call(follower, "PUT", "/v1/kv/a/none", "x", Map.of("Authorization", "Digest x")), 401, "unauthenticated");
        refused(http.call(follower, "PUT", "/v1/kv/a/none", "x", TestHttp.basic("writer", "wrong")), 401, "unauthenticated");
        refused(http.call(follower, "PUT", "/v1/kv/a/none", "x", TestHttp.basic("ghost", "x")), 401, "unauthenticated");
        // Forged: the right shape, signed with a key the cluster does not hold, naming root.
        String status = ok(http.call(follower, "GET", "/v1/status", null, Map.of())).json().get("appliedIndex").asText();
        byte[] key = new byte[AuthState.KEY_BYTES];
        new SplittableRandom(7).nextBytes(key);
        long now = System.currentTimeMillis();
        String forged = new Token("root", 1, 1, Long.parseLong(status), now, now + 60_000).sign(key);
        refused(http.call(follower, "PUT", "/v1/kv/a/none", "x", forged), 401, "unauthenticated");
        refused(http.call(leader, "PUT", "/v1/kv/a/none", "x", forged), 401, "unauthenticated");
        // Altered: a writer's real token with its payload swapped for one that names root.
        String real = http.token(follower, "writer", "writerpw");
        String[] parts = real.split("\\.");
        String[] other = forged.split("\\.");
        refused(http.call(follower, "PUT", "/v1/kv/a/none", "x", parts[0] + "." + other[1] + "." + parts[2]), 401, "unauthenticated");
        // The real one works, until it expires (3 s here).
        ok(http.call(follower, "PUT", "/v1/kv/a/ok", "x", real));
        Poll.until("the token expires", Duration.ofSeconds(10), () -> http.call(follower, "GET", "/v1/kv/a/ok", null, real).status() == 401);
        TestHttp.Resp expired = http.call(follower, "PUT", "/v1/kv/a/none", "x", real);
        refused(expired, 401, "unauthenticated");
        assertTrue(expired.json().get("error").asText().contains("expired"), expired.toString());
        // Basic credentials work as well as a token, through the follower.
        ok(http.call(follower, "PUT", "/v1/kv/a/basic", "x", TestHttp.basic("writer", "writerpw")));
        nothingUnder("a/none");
    }

    @Test
    void aReadOnlyRoleCannotWrite() {
        String t = http.token(follower, "reader", "readerpw");
        assertEquals("a value", ok(http.call(follower, "GET", "/v1/kv/a/k", null, t)).text());
        refused(http.call(follower, "PUT", "/v1/kv/a/ro", "x", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/kv/a/ro?append", "x", t), 403, "permission-denied");
        refused(http.call(follower, "DELETE", "/v1/kv/a/k", null, t), 403, "permission-denied");
        refused(http.call(follower, "DELETE", "/v1/kv?prefix=a/", null, t), 403, "permission-denied");
        refused(http.call(leader, "PUT", "/v1/kv/a/ro", "x", t), 403, "permission-denied");
        nothingUnder("a/ro");
        assertEquals("a value", ok(http.call(leader, "GET", "/v1/kv/a/k", null, root())).text());
    }

    @Test
    void aRoleOnAPrefixTouchesNothingUnderAnother() {
        String t = http.token(follower, "writer", "writerpw");
        ok(http.call(follower, "PUT", "/v1/kv/a/w", "mine", t));
        refused(http.call(follower, "GET", "/v1/kv/b/k", null, t), 403, "permission-denied");
        refused(http.call(follower, "GET", "/v1/kv/b/k?consistency=stale", null, t), 403, "permission-denied");
        refused(http.call(follower, "GET", "/v1/kv/b/k?index=1&wait=1s", null, t), 403, "permission-denied");
        refused(http.call(follower, "GET", "/v1/kv?prefix=b/", null, t), 403, "permission-denied");
        refused(http.call(follower, "GET", "/v1/kv?prefix=", null, t), 403, "permission-denied"); // wider than a/
        refused(http.call(follower, "GET", "/v1/kv?prefix=a", null, t), 403, "permission-denied"); // a/ and also ab...
        refused(http.call(follower, "GET", "/v1/watch?prefix=b/", null, t), 403, "permission-denied");
        refused(http.call(follower, "GET", "/v1/watch?key=b/k", null, t), 403, "permission-denied");
        refused(http.call(follower, "DELETE", "/v1/kv?prefix=b/", null, t), 403, "permission-denied");
        refused(http.call(follower, "PUT", "/v1/kv/b/new", "x", t), 403, "permission-denied");
        // A transaction with one operation under b/ is refused whole: its a/ part does not apply either.
        String b64 = Base64.getEncoder().encodeToString("t".getBytes(StandardCharsets.UTF_8));
        refused(http.call(follower, "POST", "/v1/txn", "{\"compare\": [], \"success\": [{\"op\": \"put\", \"key\": \"a/txn\", "
                + "\"value\": \"" + b64 + "\"}, {\"op\": \"get\", \"key\": \"b/k\"}]}", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/txn", "{\"compare\": [{\"key\": \"b/k\", \"exists\": true}], \"success\": "
                + "[{\"op\": \"put\", \"key\": \"a/txn\", \"value\": \"" + b64 + "\"}]}", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/txn", "{\"success\": [], \"failure\": [{\"op\": \"delete-prefix\", "
                + "\"prefix\": \"b/\"}]}", t), 403, "permission-denied");
        nothingUnder("a/txn");
        String r = root();
        assertEquals("root's", ok(http.call(leader, "GET", "/v1/kv/b/k", null, r)).text(), "b/ untouched");
        ok(http.call(follower, "GET", "/v1/kv?prefix=a/", null, t));
        ok(http.call(follower, "POST", "/v1/txn", "{\"success\": [{\"op\": \"put\", \"key\": \"a/txn2\", \"value\": \""
                + b64 + "\"}]}", t));
    }

    @Test
    void aUserWithoutTheRootRoleAdministersNothing() {
        String t = http.token(follower, "writer", "writerpw");
        String members = ok(http.call(follower, "GET", "/v1/cluster/members", null, Map.of())).text();
        refused(http.call(follower, "POST", "/v1/cluster/members", "{\"id\": \"n9\", \"raft\": \"127.0.0.1:1\", \"http\": "
                + "\"127.0.0.1:2\", \"voter\": false}", t), 403, "permission-denied");
        refused(http.call(follower, "DELETE", "/v1/cluster/members/n1", null, t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/cluster/leader", "{}", t), 403, "permission-denied");
        refused(http.call(follower, "GET", "/v1/snapshot", null, t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/auth/disable", "", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/auth/users", "{\"name\": \"x\", \"password\": \"y\"}", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/auth/users/writer/grant-role", "{\"role\": \"root\"}", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/auth/roles/a-rw/grant", "{\"prefix\": \"\", \"write\": true}", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/auth/users/root/password", "{\"password\": \"mine\"}", t), 403, "permission-denied");
        refused(http.call(follower, "POST", "/v1/cluster/members", "{}", Map.of()), 401, "unauthenticated");
        String r = root();
        assertEquals(members.replaceAll("\"index\":\\d+,", ""), ok(http.call(follower, "GET", "/v1/cluster/members", null,
                Map.of())).text().replaceAll("\"index\":\\d+,", ""), "membership unchanged");
        assertTrue(ok(http.call(leader, "GET", "/v1/auth/status", null, Map.of())).json().get("enabled").asBoolean());
        assertEquals(1, ok(http.call(leader, "GET", "/v1/auth/users/writer", null, r)).json().get("roles").size());
        assertFalse(ok(http.call(leader, "GET", "/v1/auth/users", null, r)).text().contains("\"x\""));
    }

    @Test
    void aNewPasswordVoidsTheOldTokensAndALostRootPasswordIsRecovered() throws Exception {
        ok(http.call(follower, "POST", "/v1/auth/users", "{\"name\": \"temp\", \"password\": \"one\"}", root()));
        String old = http.token(follower, "temp", "one");
        ok(http.call(follower, "POST", "/v1/auth/users/temp/password", "{\"password\": \"two\"}", old)); // its own
        refused(http.call(follower, "GET", "/v1/auth/users/temp", null, old), 401, "unauthenticated");
        String fresh = http.token(follower, "temp", "two");
        ok(http.call(follower, "GET", "/v1/auth/users/temp", null, fresh));
        // Recovery: a code in the member's data directory buys one root token there.
        NodeProcess n = cluster.nodes.get(0);
        refused(http.call(n.httpAddress(), "POST", "/v1/auth/recover", "{\"code\": \"0123456789abcdef\"}", Map.of()), 401, "unauthenticated");
        java.nio.file.Path file = n.dataDir.resolve("auth-recovery");
        Files.writeString(file, "0123456789abcdefXYZ\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        refused(http.call(n.httpAddress(), "POST", "/v1/auth/recover", "{\"code\": \"wrong-code-wrong-code\"}", Map.of()), 401, "unauthenticated");
        String rootToken = ok(http.call(n.httpAddress(), "POST", "/v1/auth/recover", "{\"code\": \"0123456789abcdefXYZ\"}",
                Map.of())).json().get("token").asText();
        assertFalse(Files.exists(file), "a code works once");
        ok(http.call(n.httpAddress(), "POST", "/v1/auth/users/root/password", "{\"password\": \"rootpw\"}", rootToken));
        assertNotEquals("", root());
    }

    /**
     * Seeded hostile input to the auth endpoints and to the credentials of key writes, without root's: no answer is a
     * 500 or a dropped connection, and afterwards the users, the roles and the keys are as they were.
     */
    @Test
    void hostileInputToTheAuthEndpointsChangesNothing() {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong());
        System.out.println("AuthProcessTest fuzz seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
        SplittableRandom rnd = new SplittableRandom(seed);
        String r = root();
        String usersBefore = ok(http.call(leader, "GET", "/v1/auth/users", null, r)).text();
        String rolesBefore = ok(http.call(leader, "GET", "/v1/auth/roles", null, r)).text();
        String writer = http.token(follower, "writer", "writerpw"); // valid for a few seconds, then expired: both kinds
        // Not "users/writer/password": the writer's own valid token may change its own password (a legitimate
        // request, which would break the other tests' logins); another user's password is fair game.
        String[] paths = {"token", "status", "recover", "enable", "disable", "users", "roles", "users/root", "users/writer",
                "users/reader/password", "users/writer/grant-role", "users/reader/revoke-role", "roles/a-rw",
                "roles/a-rw/grant", "roles/a-read/revoke", "users/root/password", "roles/root", "users", "nope/x"};
        String[] methods = {"GET", "POST", "PUT", "DELETE", "PATCH"};
        String[] bodies = {"{\"user\": \"root\", \"password\": %s}", "{\"name\": %s, \"password\": %s}", "{\"role\": %s}",
                "{\"prefix\": %s, \"read\": %s, \"write\": true}", "{\"password\": %s}", "{\"code\": %s}", "%s", "[%s]"};
        int requests = 1500;
        for (int i = 0; i < requests; i++) {
            String node = rnd.nextBoolean() ? follower : leader;
            String path = "/v1/auth/" + paths[rnd.nextInt(paths.length)];
            if (rnd.nextInt(8) == 0) {
                path += "/" + java.net.URLEncoder.encode(junk(rnd, 12), StandardCharsets.UTF_8);
            }
            String body = String.format(bodies[rnd.nextInt(bodies.length)], value(rnd), value(rnd));
            if (rnd.nextInt(6) == 0) {
                body = body.substring(0, rnd.nextInt(body.length() + 1)); // cut
            }
            Map<String, String> headers = switch (rnd.nextInt(5)) {
                case 0 -> Map.of();
                case 1 -> Map.of("Authorization", "Bearer " + mutate(rnd, writer));
                case 2 -> Map.of("Authorization", "Bearer " + writer);
                case 3 -> Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(junk(rnd, 20).getBytes(StandardCharsets.UTF_8)));
                default -> Map.of("Authorization", printable(rnd, 40));
            };
            boolean kvWrite = rnd.nextInt(4) == 0;
            TestHttp.Resp resp = kvWrite
                    ? http.call(node, "PUT", "/v1/kv/" + (rnd.nextBoolean() ? "b/fz" : "fz/") + i, body, headers)
                    : http.call(node, methods[rnd.nextInt(methods.length)], path, body, headers);
            assertTrue(resp.status() != 0 && resp.status() < 500, "seed " + seed + " request " + i + " " + path + " "
                    + headers + " " + body + " -> " + resp);
            if (kvWrite) {
                assertNotEquals(200, resp.status(), "seed " + seed + ": a write with hostile credentials applied: " + resp);
            }
        }
        String again = root();
        assertEquals(usersBefore, ok(http.call(leader, "GET", "/v1/auth/users", null, again)).text(), "seed " + seed);
        assertEquals(rolesBefore, ok(http.call(leader, "GET", "/v1/auth/roles", null, again)).text(), "seed " + seed);
        assertTrue(ok(http.call(leader, "GET", "/v1/auth/status", null, Map.of())).json().get("enabled").asBoolean());
        nothingUnder("fz/");
        nothingUnder("b/fz");
    }

    private static String value(SplittableRandom rnd) {
        return switch (rnd.nextInt(7)) {
            case 0 -> "null";
            case 1 -> Long.toString(rnd.nextLong());
            case 2 -> "\"" + "x".repeat(rnd.nextInt(3) == 0 ? 5000 : 3) + "\"";
            case 3 -> "{\"a\": [1, {\"b\": null}]}";
            case 4 -> "true";
            default -> com.fasterxml.jackson.databind.node.TextNode.valueOf(junk(rnd, 30)).toString();
        };
    }

    private static String junk(SplittableRandom rnd, int max) {
        StringBuilder b = new StringBuilder();
        for (int k = rnd.nextInt(max + 1); k > 0; k--) {
            b.append((char) (rnd.nextInt(5) == 0 ? rnd.nextInt(0x3000) : 32 + rnd.nextInt(95)));
        }
        return b.toString();
    }

    private static String printable(SplittableRandom rnd, int max) {
        StringBuilder b = new StringBuilder();
        for (int k = 1 + rnd.nextInt(max); k > 0; k--) {
            b.append((char) (33 + rnd.nextInt(94)));
        }
        return b.toString();
    }

    private static String mutate(SplittableRandom rnd, String token) {
        char[] c = token.toCharArray();
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
            c[rnd.nextInt(c.length)] = (char) (33 + rnd.nextInt(94));
        }
        return rnd.nextInt(4) == 0 ? new String(c, 0, rnd.nextInt(c.length)) : new String(c);
    }
}
