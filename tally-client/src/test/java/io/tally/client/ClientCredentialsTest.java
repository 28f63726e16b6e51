package io.tally.client;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.tally.client.FakeHttpServer.Answer;
import static io.tally.client.FakeHttpServer.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the client carries credentials, against a scripted server: with a user and password it sends nothing while
 * authentication is off (409 {@code auth-not-enabled} to its token request), gets a token when a 401 says
 * authentication is now on, and gets a new one when a 401 says the token it holds is void; each refused request is
 * sent again once with the new token. A wrong password and a refused fixed token are {@link AuthenticationException}s.
 */
class ClientCredentialsTest {

    private static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);

    /** A server whose token endpoint and key writes follow {@code authOn} and accept only {@code valid}'s token. */
    private static FakeHttpServer server(AtomicBoolean authOn, AtomicReference<String> valid, AtomicInteger issued)
            throws InterruptedException {
        return new FakeHttpServer(r -> {
            if (r.path().equals("/v1/auth/token")) {
                if (!authOn.get()) {
                    return now(Answer.error(409, "auth-not-enabled"));
                }
                if (!r.bodyText().equals("{\"user\":\"u\",\"password\":\"pw\"}")) {
                    return now(Answer.json(401, "{\"error\":\"wrong user name or password\",\"code\":\"unauthenticated\"}"));
                }
                String t = "t" + issued.incrementAndGet();
                valid.set(t);
                return now(Answer.json(200, "{\"token\":\"" + t + "\",\"expires\":\"" + Instant.now().plusSeconds(3600) + "\"}"));
            }
            String auth = r.header("Authorization");
            if (authOn.get() && !("Bearer " + valid.get()).equals(auth)) {
                return now(Answer.json(401, "{\"error\":\"the token expired\",\"code\":\"unauthenticated\"}"));
            }
            return now(Answer.json(200, "{\"revision\":5,\"version\":5}"));
        });
    }

    private static List<FakeHttpServer.Request> puts(FakeHttpServer s) {
        return s.calls().stream().filter(r -> r.method().equals("PUT")).toList();
    }

    @Test
    void aUserAndPasswordFollowAuthenticationOnAndOffAndVoidTokens() throws Exception {
        AtomicBoolean authOn = new AtomicBoolean();
        AtomicReference<String> valid = new AtomicReference<>("none");
        AtomicInteger issued = new AtomicInteger();
        try (FakeHttpServer s = server(authOn, valid, issued);
             TallyClient c = TallyClient.builder().endpoints(s.endpoint()).timeout(Duration.ofSeconds(5))
                     .credentials("u", "pw").build()) {
            c.put("k", V);
            assertNull(puts(s).get(0).header("Authorization"), "authentication off: no credentials sent");

            authOn.set(true); // turned on after the client found it off: a 401, a token, the same write again
            c.put("k", V);
            assertEquals(List.of("none", "none", "Bearer t1"), puts(s).stream()
                    .map(r -> r.header("Authorization") == null ? "none" : r.header("Authorization")).toList());

            valid.set("revoked"); // a password change voids the token: a 401, a new token, the write again
            c.put("k", V);
            assertEquals(2, issued.get());
            assertEquals("Bearer t2", puts(s).get(puts(s).size() - 1).header("Authorization"));
            c.put("k", V);
            assertEquals(2, issued.get(), "a token good for an hour is kept");
        }
    }

    @Test
    void aWrongPasswordIsAnAuthenticationExceptionAndNothingIsWritten() throws Exception {
        AtomicBoolean authOn = new AtomicBoolean(true);
        try (FakeHttpServer s = server(authOn, new AtomicReference<>("none"), new AtomicInteger());
             TallyClient c = TallyClient.builder().endpoints(s.endpoint()).timeout(Duration.ofSeconds(5))
                     .credentials("u", "nope").build()) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> c.put("k", V));
            assertTrue(e.getMessage().contains("cannot get a token for user 'u'"), e.getMessage());
            assertEquals(List.of(), puts(s));
        }
    }

    @Test
    void aFixedTokenIsSentAsItIsAndNotRenewed() throws Exception {
        AtomicBoolean authOn = new AtomicBoolean(true);
        AtomicInteger issued = new AtomicInteger();
        try (FakeHttpServer s = server(authOn, new AtomicReference<>("fixed"), issued);
             TallyClient c = TallyClient.builder().endpoints(s.endpoint()).timeout(Duration.ofSeconds(5))
                     .token("fixed").build()) {
            c.put("k", V);
            assertEquals("Bearer fixed", puts(s).get(0).header("Authorization"));
        }
        try (FakeHttpServer s = server(authOn, new AtomicReference<>("other"), issued);
             TallyClient c = TallyClient.builder().endpoints(s.endpoint()).timeout(Duration.ofSeconds(5))
                     .token("expired").build()) {
            assertThrows(AuthenticationException.class, () -> c.put("k", V));
            assertEquals(1, puts(s).size());
            assertEquals(0, issued.get());
        }
    }

    @Test
    void badCredentialSettingsAreRefusedAtOnce() {
        assertThrows(IllegalArgumentException.class, () -> TallyClient.builder().token(""));
        assertThrows(IllegalArgumentException.class, () -> TallyClient.builder().token("a b"));
        assertThrows(IllegalArgumentException.class, () -> TallyClient.builder().credentials("", "pw"));
        assertThrows(NullPointerException.class, () -> TallyClient.builder().credentials("u", null));
    }
}
