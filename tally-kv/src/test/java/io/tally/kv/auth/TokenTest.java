package io.tally.kv.auth;

import org.junit.jupiter.api.Test;
import org.pcollections.TreePMap;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class TokenTest {

    private static final PasswordHash HASH = PasswordHash.of("pw");
    private static final long NOW = 1_700_000_000_000L;

    private static byte[] key(int seed) {
        byte[] k = new byte[AuthState.KEY_BYTES];
        new SplittableRandom(seed).nextBytes(k);
        return k;
    }

    private static AuthState state(byte[] key, long keyId, long generation) {
        return new AuthState(true, keyId, key, TreePMap.<String, User>empty()
                .plus("alice", new User("alice", HASH, Set.of(), generation))
                .plus("root", new User("root", HASH, Set.of("root"), 1)), TreePMap.empty());
    }

    private static Token token(String user, long generation) {
        return new Token(user, 7, generation, 9, NOW, NOW + 600_000);
    }

    @Test
    void aSignedTokenIsAcceptedUntilItExpires() {
        AuthState auth = state(key(1), 7, 3);
        String text = token("alice", 3).sign(auth.key());
        Token.Parsed p = Token.parse(text);
        assertEquals(token("alice", 3), p.token());
        assertNull(Token.check(p, auth, NOW + 1));
        assertEquals(Token.Problem.EXPIRED, Token.check(p, auth, NOW + 600_000));
    }

    @Test
    void forgedAlteredOrVoidedTokensAreRefused() {
        AuthState auth = state(key(1), 7, 3);
        // Signed with another key (a forger who does not hold the cluster's).
        assertEquals(Token.Problem.BAD_SIGNATURE, Token.check(Token.parse(token("alice", 3).sign(key(2))), auth, NOW));
        // A valid token for alice with its payload rewritten to name root.
        String real = token("alice", 3).sign(auth.key());
        String forgedPayload = token("root", 1).sign(key(3));
        String spliced = forgedPayload.substring(0, forgedPayload.lastIndexOf('.')) + real.substring(real.lastIndexOf('.'));
        assertEquals(Token.Problem.BAD_SIGNATURE, Token.check(Token.parse(spliced), auth, NOW));
        // The key was replaced (auth turned off and on again).
        assertEquals(Token.Problem.BAD_SIGNATURE, Token.check(Token.parse(real), state(key(1), 8, 3), NOW));
        // A changed password (new generation) or a deleted user voids the token.
        assertEquals(Token.Problem.REVOKED, Token.check(Token.parse(real), state(key(1), 7, 4), NOW));
        assertEquals(Token.Problem.REVOKED, Token.check(Token.parse(new Token("bob", 7, 3, 9, NOW, NOW + 1000)
                .sign(auth.key())), auth, NOW));
        assertEquals(Token.Problem.AUTH_DISABLED, Token.check(Token.parse(real), AuthState.EMPTY, NOW));
    }

    @Test
    void theParserRefusesHostileTextWithoutCrashing() {
        long seed = Long.getLong("tally.test.seed", System.nanoTime());
        System.out.println("TokenTest seed " + seed + " (rerun with -Dtally.test.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        AuthState auth = state(key(1), 7, 3);
        String valid = token("alice", 3).sign(auth.key());
        String alphabet = "tly1.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ \u00e9\u0000\uffff";
        for (int i = 0; i < 100_000; i++) {
            String text;
            switch (random.nextInt(4)) {
                case 0 -> { // flip characters of a valid token
                    char[] c = valid.toCharArray();
                    for (int k = 1 + random.nextInt(3); k > 0; k--) {
                        c[random.nextInt(c.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
                    }
                    text = new String(c);
                }
                case 1 -> text = valid.substring(0, random.nextInt(valid.length())); // cut
                case 2 -> { // random text
                    StringBuilder b = new StringBuilder(random.nextBoolean() ? "tly1." : "");
                    for (int k = random.nextInt(80); k > 0; k--) {
                        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
                    }
                    text = b.toString();
                }
                default -> { // a valid shape around random bytes
                    byte[] payload = new byte[random.nextInt(120)];
                    random.nextBytes(payload);
                    byte[] mac = new byte[random.nextBoolean() ? 32 : random.nextInt(64)];
                    random.nextBytes(mac);
                    java.util.Base64.Encoder e = java.util.Base64.getUrlEncoder().withoutPadding();
                    text = "tly1." + e.encodeToString(payload) + "." + e.encodeToString(mac);
                }
            }
            Token.Parsed p;
            try {
                p = Token.parse(text);
            } catch (IllegalArgumentException refused) {
                continue;
            } catch (RuntimeException other) {
                fail("seed " + seed + ": parsing '" + text + "' threw " + other);
                return;
            }
            Token.Problem problem = Token.check(p, auth, NOW);
            if (problem == null && !text.equals(valid)) {
                // Base64 has several spellings of the last character; only a token with the same bytes may pass.
                assertEquals(p.token(), Token.parse(valid).token(), "seed " + seed + ": accepted '" + text + "'");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Token.parse("tly1." + "A".repeat(600)));
        assertNotNull(Token.check(Token.parse(valid), auth, NOW + 700_000));
        assertTrue(valid.getBytes(StandardCharsets.US_ASCII).length < Token.MAX_CHARS);
    }

    @Test
    void passwordsAreHashedWithASaltAndCheckedExactly() {
        PasswordHash a = PasswordHash.of("correct horse");
        PasswordHash b = PasswordHash.of("correct horse");
        assertTrue(a.matches("correct horse"));
        assertTrue(!a.matches("correct horsE") && !a.matches("") && !a.matches(null));
        assertTrue(!java.util.Arrays.equals(a.salt(), b.salt()) && !java.util.Arrays.equals(a.hash(), b.hash()),
                "each hash has its own salt");
        assertThrows(IllegalArgumentException.class, () -> PasswordHash.of(""));
        assertThrows(IllegalArgumentException.class, () -> PasswordHash.of("x".repeat(1025)));
        assertTrue(!a.toString().contains(java.util.HexFormat.of().formatHex(a.hash())));
    }
}
