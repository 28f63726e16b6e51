package io.tally.kv.auth;

import org.pcollections.PMap;
import org.pcollections.TreePMap;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The replicated access model (etcd's): users with password hashes and roles, roles with read/write permissions on key
 * prefixes, the built-in {@value Role#ROOT} role with every permission, whether authentication is on, and the key that
 * signs tokens. Immutable: every change makes a new state, published with the store's view, so a reader sees one
 * revision of it throughout.
 *
 * <p>The signing key lives here, in the replicated state, so that every member checks tokens without asking the
 * leader. Whoever can read a member's log, snapshots or backups can therefore mint tokens: docs/security.md.
 */
public final class AuthState {

    public static final AuthState EMPTY = new AuthState(false, 0, new byte[0], TreePMap.empty(), TreePMap.empty());
    /** The length of a signing key (HMAC-SHA-256). */
    public static final int KEY_BYTES = 32;

    private final boolean enabled;
    private final long keyId;
    private final byte[] key;
    private final PMap<String, User> users;
    private final PMap<String, Role> roles;

    public AuthState(boolean enabled, long keyId, byte[] key, PMap<String, User> users, PMap<String, Role> roles) {
        if (enabled && (keyId < 1 || key.length != KEY_BYTES)) {
            throw new IllegalArgumentException("enabled authentication needs a signing key");
        }
        this.enabled = enabled;
        this.keyId = keyId;
        this.key = key.clone();
        this.users = users;
        this.roles = roles;
    }

    /** Whether requests must authenticate (turned on once a root user exists, by an explicit enable). */
    public boolean enabled() {
        return enabled;
    }

    /** The revision at which the signing key was made (0: none yet). */
    public long keyId() {
        return keyId;
    }

    public byte[] key() {
        return key.clone();
    }

    /** Users by name, in name order. */
    public PMap<String, User> users() {
        return users;
    }

    /** Stored roles by name (never {@value Role#ROOT}, which is built in). */
    public PMap<String, Role> roles() {
        return roles;
    }

    public Optional<User> user(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(users.get(name));
    }

    public Optional<Role> role(String name) {
        return Optional.ofNullable(roles.get(name));
    }

    /** Whether a role of that name exists: the built-in root role or a stored one. */
    public boolean roleExists(String name) {
        return Role.ROOT.equals(name) || roles.containsKey(name);
    }

    /** Whether {@code user} exists and holds the root role: every permission, and cluster administration. */
    public boolean isRoot(String user) {
        User u = users.get(user);
        return u != null && u.hasRole(Role.ROOT);
    }

    /** Whether {@code user} may {@code access} every key starting with {@code keyPrefix} (a single key: the key itself). */
    public boolean permits(String user, Access access, String keyPrefix) {
        User u = users.get(user);
        if (u == null) {
            return false;
        }
        if (u.hasRole(Role.ROOT)) {
            return true;
        }
        for (String r : u.roles()) {
            Role role = roles.get(r);
            if (role != null && role.allows(access, keyPrefix)) {
                return true;
            }
        }
        return false;
    }

    public AuthState withEnabled(boolean on, long newKeyId, byte[] newKey) {
        return new AuthState(on, newKeyId, newKey, users, roles);
    }

    public AuthState withUser(User u) {
        return new AuthState(enabled, keyId, key, users.plus(u.name(), u), roles);
    }

    public AuthState withoutUser(String name) {
        return new AuthState(enabled, keyId, key, users.minus(name), roles);
    }

    public AuthState withRole(Role r) {
        return new AuthState(enabled, keyId, key, users, roles.plus(r.name(), r));
    }

    /** Without role {@code name}, which every user loses as well. */
    public AuthState withoutRole(String name) {
        PMap<String, User> u = users;
        for (User user : users.values()) {
            if (user.hasRole(name)) {
                java.util.Set<String> rs = new java.util.TreeSet<>(user.roles());
                rs.remove(name);
                u = u.plus(user.name(), user.withRoles(rs));
            }
        }
        return new AuthState(enabled, keyId, key, u, roles.minus(name));
    }

    public List<String> userNames() {
        return List.copyOf(users.keySet());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthState a && a.enabled == enabled && a.keyId == keyId && Arrays.equals(a.key, key)
                && a.users.equals(users) && a.roles.equals(roles);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(enabled) * 31 + users.hashCode();
    }

    @Override
    public String toString() {
        return "auth " + (enabled ? "enabled" : "disabled") + ", " + users.size() + " users, " + roles.size() + " roles";
    }
}
