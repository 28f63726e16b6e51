package io.tally.server;

import io.tally.kv.KvService;
import io.tally.kv.KvView;
import io.tally.kv.auth.AuthState;
import io.tally.kv.auth.Names;
import io.tally.kv.auth.Token;
import io.tally.kv.auth.User;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Who a request is, when authentication is on: {@code Authorization: Bearer TOKEN} (a token from
 * {@code POST /v1/auth/token}, checked here alone: its signature with the cluster's key, its expiry by this node's wall
 * clock, and that its user still exists with the same password) or {@code Basic} credentials (the password checked
 * against its hash on {@link PasswordChecks}' threads, the success remembered for a minute). Anything else is 401
 * {@code unauthenticated}. Every node does this for itself, a leader for a forwarded request too: a follower never
 * vouches for anyone.
 *
 * <p>A token names the revision of the state it was issued from; a node that has not applied that far yet (it may not
 * hold the key or the user's new password) waits up to a second for it, checking every few milliseconds on the
 * request's event loop.
 */
final class Authenticator {

    static final String UNAUTHENTICATED = "unauthenticated";
    /** How long a node behind a token's state waits to catch up before refusing it. */
    static final long CATCH_UP_MILLIS = 1_000;
    private static final long BASIC_CACHE_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int BASIC_CACHE_MAX = 10_000;

    private final KvService kv;
    private final PasswordChecks passwords;
    private final Duration tokenTtl;
    private final LongSupplier wallClockMillis;
    private final Map<String, Remembered> basic = new ConcurrentHashMap<>();

    /** A Basic credential that checked out: good for that user generation, until {@code untilNanos}. */
    private record Remembered(String user, long generation, long keyId, long untilNanos) {
    }

    Authenticator(KvService kv, PasswordChecks passwords, Duration tokenTtl, LongSupplier wallClockMillis) {
        this.kv = kv;
        this.passwords = passwords;
        this.tokenTtl = tokenTtl;
        this.wallClockMillis = wallClockMillis;
    }

    PasswordChecks passwords() {
        return passwords;
    }

    static HttpError unauthenticated(String message) {
        return new HttpError(401, UNAUTHENTICATED, message);
    }

    /** The request's user: "" while authentication is off; fails with 401 {@code unauthenticated}. */
    CompletableFuture<String> authenticate(Exchange ex) {
        AuthState auth = kv.store().view().auth();
        if (!auth.enabled()) {
            return CompletableFuture.completedFuture("");
        }
        String header = ex.header("Authorization");
        if (header == null || header.isBlank()) {
            return failed("authentication is on: send Authorization: Bearer TOKEN (from POST /v1/auth/token) "
                    + "or Basic credentials");
        }
        header = header.strip();
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return bearer(ex, header.substring(7).strip());
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return basic(header.substring(6).strip());
        }
        return failed("unsupported Authorization scheme: use Bearer TOKEN or Basic credentials");
    }

    private CompletableFuture<String> bearer(Exchange ex, String text) {
        Token.Parsed parsed;
        try {
            parsed = Token.parse(text);
        } catch (IllegalArgumentException e) {
            return failed("malformed token: " + e.getMessage());
        }
        Token t = parsed.token();
        AuthState auth = kv.store().view().auth();
        if (t.keyId() == auth.keyId() && Token.check(parsed, auth, Long.MIN_VALUE) == Token.Problem.BAD_SIGNATURE) {
            return failed("the token's signature does not match: it was forged, altered, or signed by a key "
                    + "this cluster no longer uses");
        }
        return caughtUp(ex, t.stateRevision()).thenApply(x -> {
            KvView view = kv.store().view();
            Token.Problem p = Token.check(parsed, view.auth(), wallClockMillis.getAsLong());
            if (p == null) {
                return t.user();
            }
            throw new CompletionException(unauthenticated(switch (p) {
                case EXPIRED -> "the token expired: get a new one from POST /v1/auth/token";
                case REVOKED -> "the token's user was deleted or changed its password since: get a new token";
                case AUTH_DISABLED -> "authentication is off";
                default -> view.revision() < t.stateRevision()
                        ? "the token comes from revision " + t.stateRevision() + ", which this node has not applied yet "
                        + "(it has " + view.revision() + "); retry, or ask another node"
                        : "the token's signature does not match: it was forged, altered, or signed by a key this "
                        + "cluster no longer uses";
            }));
        });
    }

    /** Completes once this node applied {@code revision}, or after {@value #CATCH_UP_MILLIS} ms (or the deadline). */
    private CompletableFuture<Void> caughtUp(Exchange ex, long revision) {
        if (kv.store().appliedIndex() >= revision) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(CATCH_UP_MILLIS, ex.remaining().toMillis()));
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (kv.store().appliedIndex() >= revision || System.nanoTime() >= giveUp) {
                    done.complete(null); // judged on what this node holds then
                } else {
                    try {
                        ex.loop().schedule(this, 5, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        done.completeExceptionally(HttpError.shuttingDown());
                    }
                }
            }
        };
        ex.onLoop(check, done);
        return done;
    }

    private CompletableFuture<String> basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return failed("malformed Basic credentials: not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return failed("malformed Basic credentials: expected USER:PASSWORD");
        }
        String name = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        AuthState auth = kv.store().view().auth();
        User user = Names.valid(name) ? auth.users().get(name) : null;
        if (user == null || password.isEmpty()) {
            return failed("wrong user name or password");
        }
        String key = fingerprint(name, password);
        Remembered r = basic.get(key);
        if (r != null && r.generation() == user.generation() && r.keyId() == auth.keyId()
                && System.nanoTime() - r.untilNanos() < 0) {
            return CompletableFuture.completedFuture(name);
        }
        return passwords.matches(user.password(), password).thenApply(ok -> {
            if (!ok) {
                throw new CompletionException(unauthenticated("wrong user name or password"));
            }
            if (basic.size() >= BASIC_CACHE_MAX) {
                basic.clear();
            }
            basic.put(key, new Remembered(name, user.generation(), auth.keyId(), System.nanoTime() + BASIC_CACHE_NANOS));
            return name;
        });
    }

    /**
     * Checks {@code password} for {@code name} against {@code auth} on a hashing thread: completes with the user, or
     * fails with 401. An unknown user costs a hash as well, so that timing does not tell which users exist.
     */
    CompletableFuture<User> checkPassword(AuthState auth, String name, String password) {
        User user = Names.valid(name) ? auth.users().get(name) : null;
        if (user == null) {
            return passwords.hash(password.isEmpty() ? "-" : password.length() > 1024 ? password.substring(0, 1024) : password)
                    .thenApply(h -> {
                        throw new CompletionException(unauthenticated("wrong user name or password"));
                    });
        }
        return passwords.matches(user.password(), password).thenApply(ok -> {
            if (!ok) {
                throw new CompletionException(unauthenticated("wrong user name or password"));
            }
            return user;
        });
    }

    /** A token for {@code user} of {@code view}, signed with the cluster's key; {@code ttl} null: the default. */
    Token issue(KvView view, User user, Duration ttl) {
        AuthState auth = view.auth();
        long now = wallClockMillis.getAsLong();
        Duration life = ttl == null ? tokenTtl : ttl;
        return new Token(user.name(), auth.keyId(), user.generation(), Math.max(1, view.revision()), now,
                now + life.toMillis());
    }

    Duration tokenTtl() {
        return tokenTtl;
    }

    private static String fingerprint(String name, String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            return HexFormat.of().formatHex(sha.digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> CompletableFuture<T> failed(String message) {
        return CompletableFuture.failedFuture(unauthenticated(message));
    }
}
