package io.tally.client;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Who the client is to the cluster: a fixed bearer token, or a user and password that the client trades for a token
 * ({@code POST /v1/auth/token}) when it has none, when the one it holds is about to expire, and when a node answers
 * 401 (the token expired early by that node's clock, was revoked by a password change, or authentication was
 * turned on after the client found it off). Thread-safe: one fetch at a time, shared by every call that waits for it.
 *
 * <p>While authentication is off, {@code POST /v1/auth/token} answers 409 {@code auth-not-enabled}: the client then
 * sends no credentials until a node answers 401.
 */
final class Credentials {

    /** The most a token is renewed ahead of its expiry; a short-lived token is renewed after three quarters of its life. */
    private static final long MAX_MARGIN_MILLIS = 30_000;

    private final String fixedToken;
    private final String user;
    private final String password;

    /** The {@code Authorization} header in force ("" none: authentication is off), and until when (epoch ms). */
    private String header;
    private long renewAtMillis;
    private CompletableFuture<Void> fetching;

    private Credentials(String fixedToken, String user, String password) {
        this.fixedToken = fixedToken;
        this.user = user;
        this.password = password;
        this.header = fixedToken == null ? null : "Bearer " + fixedToken;
    }

    static Credentials token(String token) {
        return new Credentials(token, null, null);
    }

    static Credentials password(String user, String password) {
        return new Credentials(null, user, password);
    }

    /** Whether a 401 can be cured by getting a new token (not for a fixed token). */
    boolean renewable() {
        return fixedToken == null;
    }

    /** The header every request carries now (null: none). */
    synchronized String header() {
        return header == null || header.isEmpty() ? null : header;
    }

    /** Completes when {@link #header()} holds credentials good for now (fetching a token when needed). */
    CompletableFuture<Void> ready(RequestRunner runner, long deadline) {
        CompletableFuture<Void> f;
        synchronized (this) {
            if (fixedToken != null || (header != null && System.currentTimeMillis() < renewAtMillis)) {
                return CompletableFuture.completedFuture(null);
            }
            if (fetching != null) {
                return fetching;
            }
            f = fetching = new CompletableFuture<>();
        }
        fetch(runner, deadline, f);
        return f;
    }

    /** A node refused {@code sentHeader} with 401: the next {@link #ready} gets a new token (if it is still the one held). */
    synchronized void refused(String sentHeader) {
        String now = header == null ? "" : header;
        if (renewable() && now.equals(sentHeader == null ? "" : sentHeader)) {
            header = null;
        }
    }

    private void fetch(RequestRunner runner, long deadline, CompletableFuture<Void> done) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", user);
        body.put("password", password);
        long asked = System.currentTimeMillis();
        runner.runOnce(new RequestRunner.Call("POST", "/v1/auth/token", "", Json.write(body), false, 0, 0, deadline, false))
                .whenComplete((r, e) -> {
                    try {
                        if (e != null) {
                            throw e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        }
                        if (r.status() == 409 && "auth-not-enabled".equals(Json.code(r))) {
                            settle("", Long.MAX_VALUE);
                        } else if (r.status() == 401) {
                            throw new AuthenticationException("cannot get a token for user '" + user + "': "
                                    + Json.errorText(r));
                        } else if (r.status() != 200) {
                            throw Json.error(r);
                        } else {
                            Json.Token t = Json.token(r);
                            long expires;
                            try {
                                expires = Instant.parse(t.expires()).toEpochMilli();
                            } catch (DateTimeParseException x) {
                                throw new TallyException(r.status(), "bad-response", "the token's expiry is not a time: "
                                        + t.expires());
                            }
                            long life = Math.max(0, expires - asked);
                            settle("Bearer " + t.token(), expires - Math.min(MAX_MARGIN_MILLIS, life / 4));
                        }
                        done.complete(null);
                    } catch (Throwable x) {
                        synchronized (this) {
                            fetching = null;
                        }
                        done.completeExceptionally(x);
                    }
                });
    }

    private synchronized void settle(String header, long renewAtMillis) {
        this.header = header;
        this.renewAtMillis = renewAtMillis;
        this.fetching = null;
    }
}
