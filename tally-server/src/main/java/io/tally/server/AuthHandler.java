package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.kv.Consistency;
import io.tally.kv.KvCommand;
import io.tally.kv.KvRequest;
import io.tally.kv.KvService;
import io.tally.kv.KvView;
import io.tally.kv.auth.AuthState;
import io.tally.kv.auth.PasswordHash;
import io.tally.kv.auth.Permission;
import io.tally.kv.auth.Role;
import io.tally.kv.auth.Token;
import io.tally.kv.auth.User;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /v1/auth/...}: tokens, the access model's status, and its administration (etcd's model; docs/http-api.md,
 * "Authentication"). Tokens are issued by the leader after a linearizable read of the user, so a password changed a
 * moment ago is never accepted again; every change goes through the log, password hashes made on the leader (the
 * password itself is never proposed). While authentication is off anyone may administer it; while it is on, only the
 * root role may (and a user may read itself and change its own password).
 */
final class AuthHandler implements Handler {

    static final String PREFIX = "/v1/auth/";
    /** Requests anyone may make, authentication on or off. */
    static final Set<String> OPEN = Set.of("POST /v1/auth/token", "GET /v1/auth/status", "POST /v1/auth/recover");

    private final KvService kv;
    private final ViaLeader via;
    private final KvWrites writes;
    private final KvItemHandler reads;
    private final Authenticator authenticator;
    private final AuthRecovery recovery;
    private final SecureRandom random = new SecureRandom();

    AuthHandler(KvService kv, ViaLeader via, KvWrites writes, KvItemHandler reads, Authenticator authenticator,
                AuthRecovery recovery) {
        this.kv = kv;
        this.via = via;
        this.writes = writes;
        this.reads = reads;
        this.authenticator = authenticator;
        this.recovery = recovery;
    }

    static boolean open(Exchange ex) {
        return OPEN.contains(ex.method() + " " + ex.path());
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        List<String> parts = parts(ex.path().substring(PREFIX.length()));
        String m = ex.method();
        String first = parts.get(0);
        switch (first) {
            case "token" -> {
                only(ex, parts, 1, "POST");
                return token(ex);
            }
            case "status" -> {
                only(ex, parts, 1, "GET");
                return CompletableFuture.completedFuture(status());
            }
            case "recover" -> {
                only(ex, parts, 1, "POST");
                return recover(ex);
            }
            case "enable" -> {
                only(ex, parts, 1, "POST");
                Permissions.root(kv, ex, "enabling authentication");
                return change(ex, new KvRequest.AuthEnable(newKey()), Map.of("enabled", true));
            }
            case "disable" -> {
                only(ex, parts, 1, "POST");
                Permissions.root(kv, ex, "disabling authentication");
                return change(ex, new KvRequest.AuthDisable(), Map.of("enabled", false));
            }
            case "users" -> {
                return users(ex, parts, m);
            }
            case "roles" -> {
                return roles(ex, parts, m);
            }
            default -> throw new HttpError(404, "not-found", "no such endpoint: " + ex.path());
        }
    }

    // ------------------------------------------------------------------ tokens

    /** {@code POST /v1/auth/token} {@code {"user", "password"}}: on the leader, after a linearizable read. */
    private CompletableFuture<Reply> token(Exchange ex) throws HttpError {
        JsonNode body = AuthJson.object(ex, Set.of("user", "password"));
        String name = AuthJson.text(body, "user");
        String password = AuthJson.text(body, "password");
        return via.serve(ex, false, () -> ex.onLoop(kv.read(Consistency.LINEARIZABLE, ex.remaining()))
                .handle((view, failure) -> {
                    if (failure != null) {
                        throw new java.util.concurrent.CompletionException(Outcomes.ofRead(ex, failure));
                    }
                    return view;
                })
                .thenCompose(view -> {
                    if (!view.auth().enabled()) {
                        return CompletableFuture.failedFuture(notEnabled());
                    }
                    return ex.onLoop(authenticator.checkPassword(view.auth(), name, password)).thenApply(user -> {
                        Token t = authenticator.issue(view, user, null);
                        return Reply.json(200, AuthJson.token(t.sign(view.auth().key()), t.expiresMillis()));
                    });
                }));
    }

    /**
     * {@code POST /v1/auth/recover} {@code {"code"}}: a root token for an operator who lost the root password and can
     * write files on this member (docs/security.md): the code must be the content of the data directory's recovery
     * file, which is deleted once used. Minted here: every member holds the signing key.
     */
    private CompletableFuture<Reply> recover(Exchange ex) throws HttpError {
        JsonNode body = AuthJson.object(ex, Set.of("code"));
        String code = AuthJson.text(body, "code");
        KvView view = kv.store().view();
        if (!view.auth().enabled()) {
            throw notEnabled();
        }
        recovery.redeem(code);
        User root = view.auth().user(Role.ROOT).orElseThrow(() -> new HttpError(409, "auth-conflict",
                "there is no root user"));
        Token t = authenticator.issue(view, root, null);
        return CompletableFuture.completedFuture(Reply.json(200, AuthJson.token(t.sign(view.auth().key()), t.expiresMillis())));
    }

    private Reply status() {
        KvView view = kv.store().view();
        return Reply.json(200, AuthJson.status(view.auth(), view.revision()));
    }

    static HttpError notEnabled() {
        return new HttpError(409, "auth-not-enabled", "authentication is off: there are no tokens; turn it on with "
                + "POST /v1/auth/enable once a root user exists");
    }

    private byte[] newKey() {
        byte[] key = new byte[AuthState.KEY_BYTES];
        random.nextBytes(key);
        return key;
    }

    // ------------------------------------------------------------------ users

    private CompletableFuture<Reply> users(Exchange ex, List<String> parts, String m) throws HttpError {
        if (parts.size() == 1) {
            if (m.equals("GET")) {
                Permissions.root(kv, ex, "listing users");
                return read(ex, view -> {
                    List<Map<String, Object>> out = new ArrayList<>();
                    view.auth().users().values().forEach(u -> out.add(AuthJson.user(u)));
                    return Reply.json(200, Map.of("users", out));
                });
            }
            method(ex, "POST", "GET");
            Permissions.root(kv, ex, "adding a user");
            JsonNode body = AuthJson.object(ex, Set.of("name", "password"));
            String name = AuthJson.name(body, "name", "user");
            String password = password(body);
            return writes.writePrepared(ex, () -> authenticator.passwords().hash(password)
                    .thenApply(h -> KvCommand.auth(new KvRequest.UserAdd(name, h))), r -> Reply.json(200, Map.of("user", name)));
        }
        String name = AuthJson.name(decode(parts.get(1)), "user");
        if (parts.size() == 2) {
            if (m.equals("GET")) {
                self(ex, name, "reading another user");
                return read(ex, view -> Reply.json(200, AuthJson.user(view.auth().user(name)
                        .orElseThrow(() -> new HttpError(404, "user-not-found", "no user '" + name + "'")))));
            }
            method(ex, "DELETE", "GET");
            Permissions.root(kv, ex, "deleting a user");
            return change(ex, new KvRequest.UserDelete(name), Map.of("deleted", name));
        }
        if (parts.size() != 3) {
            throw new HttpError(404, "not-found", "no such endpoint: " + ex.path());
        }
        method(ex, "POST");
        switch (parts.get(2)) {
            case "password" -> {
                self(ex, name, "changing another user's password");
                String password = password(AuthJson.object(ex, Set.of("password")));
                return writes.writePrepared(ex, () -> authenticator.passwords().hash(password)
                        .thenApply(h -> KvCommand.auth(new KvRequest.UserPassword(name, h))), r -> Reply.json(200, Map.of("user", name)));
            }
            case "grant-role", "revoke-role" -> {
                boolean grant = parts.get(2).equals("grant-role");
                Permissions.root(kv, ex, grant ? "granting roles" : "revoking roles");
                String role = AuthJson.name(AuthJson.object(ex, Set.of("role")), "role", "role");
                return change(ex, new KvRequest.UserRole(name, role, grant), Map.of("user", name, "role", role));
            }
            default -> throw new HttpError(404, "not-found", "no such endpoint: " + ex.path());
        }
    }

    // ------------------------------------------------------------------ roles

    private CompletableFuture<Reply> roles(Exchange ex, List<String> parts, String m) throws HttpError {
        if (parts.size() == 1) {
            if (m.equals("GET")) {
                Permissions.root(kv, ex, "listing roles");
                return read(ex, view -> {
                    List<Map<String, Object>> out = new ArrayList<>();
                    out.add(AuthJson.rootRole());
                    view.auth().roles().values().forEach(r -> out.add(AuthJson.role(r)));
                    return Reply.json(200, Map.of("roles", out));
                });
            }
            method(ex, "POST", "GET");
            Permissions.root(kv, ex, "adding a role");
            String name = AuthJson.name(AuthJson.object(ex, Set.of("name")), "name", "role");
            return change(ex, new KvRequest.RoleChange(name, true), Map.of("role", name));
        }
        String name = AuthJson.name(decode(parts.get(1)), "role");
        Permissions.root(kv, ex, "administering roles");
        if (parts.size() == 2) {
            if (m.equals("GET")) {
                return read(ex, view -> {
                    if (name.equals(Role.ROOT)) {
                        return Reply.json(200, AuthJson.rootRole());
                    }
                    return Reply.json(200, AuthJson.role(view.auth().role(name)
                            .orElseThrow(() -> new HttpError(404, "role-not-found", "no role '" + name + "'"))));
                });
            }
            method(ex, "DELETE", "GET");
            return change(ex, new KvRequest.RoleChange(name, false), Map.of("deleted", name));
        }
        if (parts.size() != 3 || !(parts.get(2).equals("grant") || parts.get(2).equals("revoke"))) {
            throw new HttpError(404, "not-found", "no such endpoint: " + ex.path());
        }
        method(ex, "POST");
        boolean grant = parts.get(2).equals("grant");
        JsonNode body = AuthJson.object(ex, Set.of("prefix", "read", "write"));
        String prefix = AuthJson.text(body, "prefix");
        if (prefix.getBytes(StandardCharsets.UTF_8).length > Permission.MAX_PREFIX_BYTES) {
            throw HttpError.badRequest("a prefix is at most " + Permission.MAX_PREFIX_BYTES + " bytes");
        }
        boolean read = AuthJson.flag(body, "read");
        boolean write = AuthJson.flag(body, "write");
        if (!read && !write) {
            if (grant) {
                throw HttpError.badRequest("grant read, write or both: {\"prefix\": P, \"read\": true, \"write\": true}");
            }
            read = write = true; // revoking without saying what: everything on that prefix
        }
        Permission p = new Permission(prefix, read, write);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", name);
        out.put("prefix", prefix);
        out.put("read", read);
        out.put("write", write);
        return change(ex, new KvRequest.RolePermission(name, p, grant), out);
    }

    // ------------------------------------------------------------------ shared

    private CompletableFuture<Reply> change(Exchange ex, KvRequest.AuthChange change, Map<String, Object> answer)
            throws HttpError {
        return writes.write(ex, KvCommand.auth(change), r -> {
            Map<String, Object> out = new LinkedHashMap<>(answer);
            out.put("revision", r.revision());
            return Reply.json(200, out);
        });
    }

    /** A linearizable read of the access model, on the leader. */
    private CompletableFuture<Reply> read(Exchange ex, KvItemHandler.FromView answer) {
        return reads.read(ex, Consistency.LINEARIZABLE, answer);
    }

    /** Root, or the user {@code name} itself. */
    private void self(Exchange ex, String name, String what) throws HttpError {
        AuthState auth = kv.store().view().auth();
        if (auth.enabled() && !ex.user().equals(name) && !auth.isRoot(ex.user())) {
            throw Permissions.denied("user '" + ex.user() + "' does not hold the root role, which " + what + " needs");
        }
    }

    private static String password(JsonNode body) throws HttpError {
        String password = AuthJson.text(body, "password");
        try {
            PasswordHash.checkPassword(password);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        return password;
    }

    private static void only(Exchange ex, List<String> parts, int size, String method) throws HttpError {
        if (parts.size() != size) {
            throw new HttpError(404, "not-found", "no such endpoint: " + ex.path());
        }
        method(ex, method);
    }

    private static void method(Exchange ex, String... allowed) throws HttpError {
        if (!List.of(allowed).contains(ex.method())) {
            throw new HttpError(405, "method-not-allowed", ex.method() + " is not allowed here; use "
                    + String.join(" or ", allowed));
        }
    }

    private static List<String> parts(String rest) throws HttpError {
        List<String> parts = new ArrayList<>(List.of(rest.split("/", -1)));
        if (parts.isEmpty() || parts.stream().anyMatch(String::isEmpty)) {
            throw new HttpError(404, "not-found", "no such endpoint: " + PREFIX + rest);
        }
        return parts;
    }

    private static String decode(String raw) throws HttpError {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("malformed name: " + e.getMessage());
        }
    }
}
