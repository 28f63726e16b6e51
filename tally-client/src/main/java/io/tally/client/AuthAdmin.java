package io.tally.client;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The access model's administration over {@code /v1/auth/...} (docs/http-api.md, "Authentication"), from
 * {@link TallyClient#auth()}: users, roles, their permissions, and turning authentication on and off. While
 * authentication is off anyone may call these; while it is on, only a user with the root role (a user may read
 * itself and change its own password). Refusals: {@link AuthenticationException}, {@link PermissionDeniedException},
 * and {@link TallyException} with the server's code ({@code user-exists}, {@code user-not-found},
 * {@code role-not-found}, {@code auth-conflict}, ... with status 409 or 404). Changes go through the log; like
 * cluster changes, one whose answer was lost fails with {@link OutcomeUnknownException}.
 */
public final class AuthAdmin {

    private final RequestRunner runner;
    private final Duration timeout;
    private final Function<Supplier<CompletableFuture<?>>, Object> sync;

    AuthAdmin(RequestRunner runner, Duration timeout, Function<Supplier<CompletableFuture<?>>, Object> sync) {
        this.runner = runner;
        this.timeout = timeout;
        this.sync = sync;
    }

    /** Whether authentication is on and a root user exists (open to anyone). */
    public AuthStatus status() {
        return wait(this::statusAsync);
    }

    public CompletableFuture<AuthStatus> statusAsync() {
        return call("GET", "/v1/auth/status", null, r -> new AuthStatus(Json.bool(r, "enabled"),
                Json.bool(r, "rootUser"), Json.longField(r, "revision")));
    }

    /** Turns authentication on; refused (409 {@code auth-conflict}) until a user named root exists. */
    public void enable() {
        wait(() -> call("POST", "/v1/auth/enable", new byte[0], r -> null));
    }

    /** Turns authentication off (root only); every token issued before is void when it is turned on again. */
    public void disable() {
        wait(() -> call("POST", "/v1/auth/disable", new byte[0], r -> null));
    }

    /** A token for {@code user} ({@code POST /v1/auth/token}); 409 {@code auth-not-enabled} while it is off. */
    public AuthToken token(String user, String password) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", Objects.requireNonNull(user, "user"));
        body.put("password", Objects.requireNonNull(password, "password"));
        return wait(() -> call("POST", "/v1/auth/token", Json.write(body), r -> {
            Json.Token t = Json.token(r);
            try {
                return new AuthToken(t.token(), Instant.parse(t.expires()));
            } catch (DateTimeParseException e) {
                throw new TallyException(r.status(), "bad-response", "the token's expiry is not a time: " + t.expires());
            }
        }));
    }

    // ------------------------------------------------------------------ users

    /** Adds a user (no roles; a user named root gets the root role). */
    public void addUser(String name, String password) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", Objects.requireNonNull(name, "name"));
        body.put("password", Objects.requireNonNull(password, "password"));
        wait(() -> call("POST", "/v1/auth/users", Json.write(body), r -> null));
    }

    public void deleteUser(String name) {
        wait(() -> call("DELETE", "/v1/auth/users/" + segment(name), null, r -> null));
    }

    /** Sets a user's password; its tokens are void at once. */
    public void changePassword(String name, String password) {
        wait(() -> call("POST", "/v1/auth/users/" + segment(name) + "/password",
                Json.write(Map.of("password", Objects.requireNonNull(password, "password"))), r -> null));
    }

    public void grantRole(String user, String role) {
        wait(() -> call("POST", "/v1/auth/users/" + segment(user) + "/grant-role",
                Json.write(Map.of("role", Objects.requireNonNull(role, "role"))), r -> null));
    }

    public void revokeRole(String user, String role) {
        wait(() -> call("POST", "/v1/auth/users/" + segment(user) + "/revoke-role",
                Json.write(Map.of("role", Objects.requireNonNull(role, "role"))), r -> null));
    }

    public AuthUser user(String name) {
        return wait(() -> call("GET", "/v1/auth/users/" + segment(name), null, Json::authUser));
    }

    /** Every user, in name order (root only). */
    public List<AuthUser> users() {
        return wait(() -> call("GET", "/v1/auth/users", null, Json::authUsers));
    }

    // ------------------------------------------------------------------ roles

    public void addRole(String name) {
        wait(() -> call("POST", "/v1/auth/roles", Json.write(Map.of("name", Objects.requireNonNull(name, "name"))), r -> null));
    }

    public void deleteRole(String name) {
        wait(() -> call("DELETE", "/v1/auth/roles/" + segment(name), null, r -> null));
    }

    /** Grants read and/or write (at least one) on the keys under {@code prefix} ("" is every key). */
    public void grantPermission(String role, String prefix, boolean read, boolean write) {
        if (!read && !write) {
            throw new IllegalArgumentException("grant read, write or both");
        }
        wait(() -> call("POST", "/v1/auth/roles/" + segment(role) + "/grant", permission(prefix, read, write), r -> null));
    }

    /** Revokes read and/or write on {@code prefix}; neither: both. */
    public void revokePermission(String role, String prefix, boolean read, boolean write) {
        wait(() -> call("POST", "/v1/auth/roles/" + segment(role) + "/revoke", permission(prefix, read, write), r -> null));
    }

    public AuthRole role(String name) {
        return wait(() -> call("GET", "/v1/auth/roles/" + segment(name), null, Json::authRole));
    }

    /** Every role, root first (root only). */
    public List<AuthRole> roles() {
        return wait(() -> call("GET", "/v1/auth/roles", null, Json::authRoles));
    }

    // ------------------------------------------------------------------ shared

    private static byte[] permission(String prefix, boolean read, boolean write) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("prefix", Objects.requireNonNull(prefix, "prefix"));
        body.put("read", read);
        body.put("write", write);
        return Json.write(body);
    }

    private static String segment(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a name is not empty");
        }
        return TallyClient.encodeParam(name);
    }

    private <T> CompletableFuture<T> call(String method, String path, byte[] body, Function<HttpReply, T> answer) {
        // A change is tried once it may have been applied (like a cluster change), so that a lost answer is an
        // outcome-unknown rather than a retry refused as, say, user-exists. A token request is not a change.
        boolean change = !method.equals("GET") && !path.equals("/v1/auth/token");
        long deadline = System.nanoTime() + timeout.toNanos();
        return runner.run(new RequestRunner.Call(method, path, "", body, change, 0, 0, deadline, change)).thenApply(r -> {
            if (r.status() != 200) {
                throw Json.error(r);
            }
            return answer.apply(r);
        });
    }

    @SuppressWarnings("unchecked")
    private <T> T wait(Supplier<CompletableFuture<T>> call) {
        return (T) sync.apply((Supplier<CompletableFuture<?>>) (Supplier<?>) call);
    }
}
