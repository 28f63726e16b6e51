package io.tally.kv.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;

/**
 * A signed, expiring token that names a user: {@code tly1.PAYLOAD.MAC}, both parts unpadded base64url, where the MAC is
 * HMAC-SHA-256 with the cluster's signing key ({@link AuthState#key()}) over {@code tly1.PAYLOAD}, and the payload is
 * <pre>
 *   u8 1, i64 keyId, i64 generation, i64 stateRevision, i64 issuedMillis, i64 expiresMillis, u8 n, n bytes user (UTF-8)
 * </pre>
 * Every member checks a token alone ({@link #check}): the MAC against the key it holds, the expiry against its wall
 * clock, and that the user still exists with the same generation (a changed password or a deleted user voids the
 * user's tokens). {@code stateRevision} is the issuer's applied revision: a member that has not applied that far yet
 * waits for it before judging (it may not hold the key or the user yet).
 *
 * @param keyId         the revision of the signing key
 * @param generation    the user's generation when the token was issued ({@link User#generation()})
 * @param stateRevision the revision of the state the token was issued from
 */
public record Token(String user, long keyId, long generation, long stateRevision, long issuedMillis, long expiresMillis) {

    public static final String PREFIX = "tly1.";
    /** The longest token parsed; anything longer is refused unread. */
    public static final int MAX_CHARS = 512;

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    public Token {
        Names.check("user", user);
        if (keyId < 1 || generation < 1 || stateRevision < 1 || expiresMillis <= issuedMillis) {
            throw new IllegalArgumentException("not a valid token: " + keyId + "/" + generation + "/" + stateRevision);
        }
    }

    /** The token's text, signed with {@code key}. */
    public String sign(byte[] key) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 5 * 8 + 1 + name.length);
        b.put((byte) 1).putLong(keyId).putLong(generation).putLong(stateRevision).putLong(issuedMillis)
                .putLong(expiresMillis).put((byte) name.length).put(name);
        String signed = PREFIX + B64.encodeToString(b.array());
        return signed + "." + B64.encodeToString(mac(key, signed));
    }

    /** Why a token is not accepted. */
    public enum Problem {
        /** Not a token at all (wrong shape, encoding or length). */
        MALFORMED,
        /** Signed with another key, or altered. */
        BAD_SIGNATURE,
        EXPIRED,
        /** The user no longer exists, or changed its password since (another generation). */
        REVOKED,
        /** Authentication is off, so no key signs tokens. */
        AUTH_DISABLED
    }

    /** A token's text split and decoded, not yet checked. */
    public record Parsed(Token token, String signed, byte[] mac) {
    }

    /**
     * Splits and decodes a token's text without trusting any of it.
     *
     * @throws IllegalArgumentException for anything that is not a well-formed token
     */
    public static Parsed parse(String text) {
        Objects.requireNonNull(text, "token");
        if (text.length() > MAX_CHARS || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a Tally token");
        }
        int dot = text.indexOf('.', PREFIX.length());
        if (dot < 0 || text.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("a token has three parts");
        }
        byte[] payload;
        byte[] mac;
        try {
            payload = B64D.decode(text.substring(PREFIX.length(), dot));
            mac = B64D.decode(text.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a token is base64url: " + e.getMessage());
        }
        if (mac.length != 32) {
            throw new IllegalArgumentException("a token's signature is 32 bytes");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(payload);
            if (b.get() != 1) {
                throw new IllegalArgumentException("unknown token version");
            }
            long keyId = b.getLong();
            long generation = b.getLong();
            long stateRevision = b.getLong();
            long issued = b.getLong();
            long expires = b.getLong();
            int n = b.get() & 0xff;
            byte[] name = new byte[n];
            b.get(name);
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("bytes after a token's payload");
            }
            Token t = new Token(new String(name, StandardCharsets.UTF_8), keyId, generation, stateRevision, issued, expires);
            return new Parsed(t, text.substring(0, dot), mac);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a token's payload is cut short");
        }
    }

    /**
     * Whether {@code parsed} is a token {@code auth} accepts at {@code nowMillis}: null if so, else why not. The caller
     * first makes sure it has applied {@link #stateRevision()}.
     */
    public static Problem check(Parsed parsed, AuthState auth, long nowMillis) {
        if (!auth.enabled()) {
            return Problem.AUTH_DISABLED;
        }
        Token t = parsed.token();
        if (t.keyId() != auth.keyId() || !MessageDigest.isEqual(mac(auth.key(), parsed.signed()), parsed.mac())) {
            return Problem.BAD_SIGNATURE;
        }
        if (nowMillis >= t.expiresMillis()) {
            return Problem.EXPIRED;
        }
        User u = auth.users().get(t.user());
        if (u == null || u.generation() != t.generation()) {
            return Problem.REVOKED;
        }
        return null;
    }

    private static byte[] mac(byte[] key, String signed) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(signed.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
