package io.tally.server;

import io.tally.client.AuthUser;
import io.tally.client.AuthenticationException;
import io.tally.client.PermissionDeniedException;
import io.tally.client.TallyClient;
import io.tally.client.TallyClientBuilder;
import io.tally.client.TallyException;
import io.tally.client.TlsHandshakeException;
import io.tally.client.Watch;
import io.tally.client.WatchEvent;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TallyClient}'s TLS and credentials (issue 15, issue 16 item 8) against three nodes in this JVM with TLS on the
 * HTTP port, client certificates required, and authentication on with 2-second tokens: a user with the CA reads and
 * writes, across several token lifetimes and a password change that voids its token; a wrong CA, a wrong password and
 * a fixed token that expired fail with clear exceptions; a read-only user's write is refused. After each refusal, the
 * key is checked absent: nothing was applied.
 */
@Timeout(180)
class TallyClientSecurityTest {

    private static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);
    private static Path dir;
    private static TestTls tls;
    private static TestTls rogue;
    private static InProcessCluster cluster;
    private static List<String> endpoints;
    private static TallyClient root;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tally-client-security");
        tls = new TestTls(dir, "test CA");
        rogue = new TestTls(Files.createDirectories(dir.resolve("rogue")), "another CA");
        tls.issue("node");
        tls.issue("client");
        rogue.issue("client");
        cluster = new InProcessCluster(3, "--tls-cert", tls.file("node.crt").toString(), "--tls-key",
                tls.file("node.key").toString(), "--tls-client-ca", tls.file("ca.crt").toString(), "--tls-ca",
                tls.file("ca.crt").toString(), "--auth-token-ttl", "2s");
        cluster.awaitLeader();
        endpoints = List.of("https://" + cluster.http(0), "https://" + cluster.http(1), "https://" + cluster.http(2));
        // Set up while authentication is off (anyone may), through a client without credentials.
        try (TallyClient anyone = trusted().build()) {
            anyone.auth().addUser("root", "rootpw");
            anyone.auth().addUser("app", "apppw");
            anyone.auth().addUser("viewer", "viewerpw");
            anyone.auth().addRole("a-rw");
            anyone.auth().grantPermission("a-rw", "a/", true, true);
            anyone.auth().addRole("a-ro");
            anyone.auth().grantPermission("a-ro", "a/", true, false);
            anyone.auth().grantRole("app", "a-rw");
            anyone.auth().grantRole("viewer", "a-ro");
            anyone.put("a/seed", V);
            anyone.auth().enable();
            assertTrue(anyone.auth().status().enabled());
        }
        root = trusted().credentials("root", "rootpw").build();
        for (int i = 0; i < 3; i++) {
            String node = cluster.http(i);
            try (TallyClient one = TallyClient.builder().endpoints("https://" + node)
                    .trustedCertificates(tls.file("ca.crt")).clientCertificate(tls.file("client.crt"), tls.file("client.key"))
                    .build()) {
                Poll.until(node + " has authentication on", Duration.ofSeconds(10), () -> one.auth().status().enabled());
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (root != null) {
            root.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        ProcessCluster.deleteRecursively(dir);
    }

    /** https endpoints, the test CA, the client certificate; no credentials. */
    private static TallyClientBuilder trusted() {
        return TallyClient.builder().endpoints(endpoints).timeout(Duration.ofSeconds(5))
                .trustedCertificates(tls.file("ca.crt")).clientCertificate(tls.file("client.crt"), tls.file("client.key"));
    }

    private static void absent(String key) {
        assertEquals(Optional.empty(), root.get(key), key + " was applied");
    }

    @Test
    void aUserWithTheCaReadsAndWritesAcrossTokenLifetimesAndAPasswordChange() {
        try (TallyClient app = trusted().credentials("app", "apppw").build()) {
            assertEquals("v", app.get("a/seed").orElseThrow().valueAsString());
            // Tokens last 2 s: writing for 5 s needs renewals, each before its token expires.
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int i = 0;
            while (System.nanoTime() < end) {
                app.put("a/renew", Integer.toString(i++).getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(Integer.toString(i - 1), root.get("a/renew").orElseThrow().valueAsString());
            // A password set again voids every token of the user at once: the next call meets a 401 and gets a new one.
            root.auth().changePassword("app", "apppw");
            app.put("a/after-passwd", V);
            assertEquals("v", root.get("a/after-passwd").orElseThrow().valueAsString());
        }
    }

    @Test
    void aWatchOverTlsWithAUserDeliversEveryEventAndIsRefusedOutsideItsPrefix() throws Exception {
        try (TallyClient app = trusted().credentials("app", "apppw").build()) {
            Collector live = new Collector();
            app.watch(Watch.prefix("a/w/")).subscribe(live);
            Poll.until("the watch is open", Duration.ofSeconds(20), () -> {
                root.put("a/w/probe", V);
                return !live.events.isEmpty();
            });
            // Writes for 3 s, longer than a token lives: the stream keeps delivering.
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int n = 0;
            while (System.nanoTime() < end) {
                root.put("a/w/" + n++, V);
            }
            int written = n;
            Poll.until("every event arrives", Duration.ofSeconds(20),
                    () -> live.events.stream().filter(e -> !e.key().equals("a/w/probe")).count() >= written);
            List<String> keys = live.events.stream().map(WatchEvent::key).filter(k -> !k.equals("a/w/probe")).toList();
            assertEquals(java.util.stream.IntStream.range(0, written).mapToObj(i -> "a/w/" + i).toList(), keys);
            assertFalse(live.error.isDone(), "the watch ended: " + live.error.getNow(null));

            Collector outside = new Collector();
            app.watch(Watch.prefix("b/")).subscribe(outside);
            assertTrue(outside.error.get(20, TimeUnit.SECONDS) instanceof PermissionDeniedException,
                    String.valueOf(outside.error.getNow(null)));
        }
    }

    /** Collects a watch's events. */
    private static final class Collector implements Flow.Subscriber<WatchEvent> {
        final List<WatchEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(WatchEvent e) {
            events.add(e);
        }

        @Override
        public void onError(Throwable t) {
            error.complete(t);
        }

        @Override
        public void onComplete() {
            error.complete(new AssertionError("a watch never completes"));
        }
    }

    @Test
    void aFixedTokenWorksUntilItExpiresThenFailsClearly() {
        String token = root.auth().token("app", "apppw").token();
        try (TallyClient app = trusted().token(token).build()) {
            app.put("a/fixed", V);
            // No sleep: the token lasts 2 s, and each call is tried until it is refused.
            AuthenticationException e = Poll.until("the token expired", Duration.ofSeconds(20), () -> {
                try {
                    app.get("a/fixed");
                    return Optional.empty();
                } catch (AuthenticationException x) {
                    return Optional.of(x);
                }
            });
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("expired"), e.getMessage());
            assertThrows(AuthenticationException.class, () -> app.put("a/fixed-late", V));
        }
        absent("a/fixed-late");
    }

    @Test
    void aWrongCaFailsTheHandshakeClearly() {
        try (TallyClient wrong = TallyClient.builder().endpoints(endpoints).timeout(Duration.ofSeconds(5))
                .trustedCertificates(rogue.file("ca.crt")).clientCertificate(tls.file("client.crt"), tls.file("client.key"))
                .credentials("app", "apppw").build()) {
            TlsHandshakeException e = assertThrows(TlsHandshakeException.class, () -> wrong.put("a/wrong-ca", V));
            assertTrue(e.getMessage().startsWith("TLS handshake with 127.0.0.1:"), e.getMessage());
            assertEquals("tls-handshake-failed", e.code());
        }
        absent("a/wrong-ca");
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() {
        try (TallyClient stranger = TallyClient.builder().endpoints(endpoints).timeout(Duration.ofSeconds(3))
                .trustedCertificates(tls.file("ca.crt")).clientCertificate(rogue.file("client.crt"), rogue.file("client.key"))
                .credentials("app", "apppw").build()) {
            assertThrows(TallyException.class, () -> stranger.put("a/stranger", V));
        }
        absent("a/stranger");
    }

    @Test
    void aWrongPasswordIsAClearAuthenticationException() {
        try (TallyClient bad = trusted().credentials("app", "not-the-password").build()) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> bad.put("a/bad-password", V));
            assertTrue(e.getMessage().contains("'app'") && e.getMessage().contains("wrong user name or password"),
                    e.getMessage());
            assertThrows(AuthenticationException.class, () -> bad.get("a/seed"));
        }
        try (TallyClient none = trusted().build()) {
            assertThrows(AuthenticationException.class, () -> none.put("a/no-credentials", V));
        }
        absent("a/bad-password");
        absent("a/no-credentials");
    }

    @Test
    void aReadOnlyUsersWriteIsAPermissionException() {
        try (TallyClient viewer = trusted().credentials("viewer", "viewerpw").build()) {
            assertEquals("v", viewer.get("a/seed").orElseThrow().valueAsString());
            PermissionDeniedException e = assertThrows(PermissionDeniedException.class, () -> viewer.put("a/viewer", V));
            assertEquals(403, e.status());
            assertThrows(PermissionDeniedException.class, () -> viewer.get("b/anything"));
            assertThrows(PermissionDeniedException.class, () -> viewer.auth().users());
        }
        absent("a/viewer");
    }

    @Test
    void rootAdministersTheAccessModelThroughTheClient() {
        List<AuthUser> users = root.auth().users();
        assertTrue(users.contains(new AuthUser("app", List.of("a-rw"))), users.toString());
        assertTrue(root.auth().roles().stream().anyMatch(r -> r.name().equals("a-ro")
                && r.permissions().equals(List.of(new io.tally.client.AuthRole.Permission("a/", true, false)))));
        TallyException exists = assertThrows(TallyException.class, () -> root.auth().addUser("app", "again"));
        assertEquals("user-exists", exists.code());
        assertTrue(root.auth().status().rootUserExists());
    }

    @Test
    void badTlsSettingsAreRefusedWhenTheClientIsBuilt() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> TallyClient.builder().endpoints(endpoints).trustedCertificates(dir.resolve("nope.crt")));
        assertTrue(missing.getMessage().contains("nope.crt"), missing.getMessage());
        IllegalArgumentException notPem = assertThrows(IllegalArgumentException.class,
                () -> TallyClient.builder().endpoints(endpoints).trustedCertificates(tls.file("node.key")).build());
        assertTrue(notPem.getMessage().contains("cannot use the TLS files"), notPem.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TallyClient.builder()
                .endpoints("http://" + cluster.http(0)).trustedCertificates(tls.file("ca.crt")).build());
        assertThrows(IllegalArgumentException.class, () -> TallyClient.builder()
                .endpoints("http://" + cluster.http(0), "https://" + cluster.http(1)));
    }
}
