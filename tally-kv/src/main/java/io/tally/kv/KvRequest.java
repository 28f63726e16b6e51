package io.tally.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link KvCommand} asks of the store. Every request is validated when it is made, so that what reaches the
 * log is well formed; the state machine still treats any bytes it cannot decode as {@link KvResult.Status#MALFORMED}.
 */
public sealed interface KvRequest {

    int MAX_KEY_BYTES = 4096;
    /** The most operations in each of a transaction's lists (compare, success, failure), as etcd's default. */
    int MAX_TXN_OPS = 128;
    long ANY_VERSION = -1;

    /**
     * Sets {@code key}. With {@code expectedVersion} other than {@link #ANY_VERSION} it applies only if the key has
     * that version (0: the key must not exist). With a {@code lease} (non-zero) the key is attached to it, and the
     * lease must exist.
     */
    record Put(String key, byte[] value, long expectedVersion, long lease) implements KvRequest {
        public Put {
            checkKey(key);
            value = value == null ? new byte[0] : value;
            checkExpected(expectedVersion);
            if (lease < 0) {
                throw new IllegalArgumentException("a lease id is positive (or 0 for none), not " + lease);
            }
        }
    }

    /** Appends {@code value} to {@code key}'s value (creating the key); the key keeps its lease. */
    record Append(String key, byte[] value) implements KvRequest {
        public Append {
            checkKey(key);
            value = value == null ? new byte[0] : value;
        }
    }

    /** Deletes {@code key}; with {@code expectedVersion} other than {@link #ANY_VERSION}, only at that version. */
    record Delete(String key, long expectedVersion) implements KvRequest {
        public Delete {
            checkKey(key);
            checkExpected(expectedVersion);
        }
    }

    /** Deletes every key that starts with {@code prefix}, all at one revision. */
    record DeletePrefix(String prefix) implements KvRequest {
        public DeletePrefix {
            checkPrefix(prefix);
        }
    }

    /**
     * If every comparison holds, the {@code success} operations, otherwise the {@code failure} ones, in order and all
     * at one revision (etcd's Txn). Within a branch no two writes may touch the same key (etcd's rule): a put's key
     * appears once, and no put or delete falls in a delete-prefix's range; this keeps one event per key per revision.
     */
    record Txn(List<Compare> compare, List<TxnOp> success, List<TxnOp> failure) implements KvRequest {
        public Txn {
            compare = List.copyOf(compare);
            success = List.copyOf(success);
            failure = List.copyOf(failure);
            checkCount("compare", compare.size());
            checkCount("success", success.size());
            checkCount("failure", failure.size());
            checkWrites("success", success);
            checkWrites("failure", failure);
        }

        private static void checkCount(String list, int n) {
            if (n > MAX_TXN_OPS) {
                throw new IllegalArgumentException("a transaction's " + list + " list has " + n + " entries; at most "
                        + MAX_TXN_OPS + " are allowed");
            }
        }

        private static void checkWrites(String branch, List<TxnOp> ops) {
            List<String> keys = new ArrayList<>();
            List<String> prefixes = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) {
                String at = branch + "[" + i + "]";
                TxnOp op = ops.get(i);
                if (op instanceof TxnOp.Put p) {
                    claimKey(at, p.key(), keys, prefixes);
                } else if (op instanceof TxnOp.Delete d) {
                    claimKey(at, d.key(), keys, prefixes);
                } else if (op instanceof TxnOp.DeletePrefix d) {
                    for (String k : keys) {
                        if (k.startsWith(d.prefix())) {
                            throw new IllegalArgumentException(at + ": prefix '" + d.prefix()
                                    + "' covers key '" + k + "', written earlier in the same branch");
                        }
                    }
                    for (String p : prefixes) {
                        if (Prefixes.overlap(p, d.prefix())) {
                            throw new IllegalArgumentException(at + ": prefix '" + d.prefix()
                                    + "' overlaps prefix '" + p + "', deleted earlier in the same branch");
                        }
                    }
                    prefixes.add(d.prefix());
                }
            }
        }

        private static void claimKey(String at, String key, List<String> keys, List<String> prefixes) {
            if (keys.contains(key)) {
                throw new IllegalArgumentException(at + ": key '" + key + "' is written twice in the same branch");
            }
            for (String p : prefixes) {
                if (key.startsWith(p)) {
                    throw new IllegalArgumentException(at + ": key '" + key + "' lies under prefix '" + p
                            + "', deleted earlier in the same branch");
                }
            }
            keys.add(key);
        }
    }

    /**
     * Opens a client session (Raft thesis §6.3, RegisterClient). Its id is the revision (Raft index) of this entry,
     * so the log, not the client, chooses it and no two sessions ever share one.
     */
    record Register() implements KvRequest {
    }

    /**
     * Grants a lease of {@code ttlMillis}; its id is the revision of this entry. The leader chose the TTL (raising a
     * too-short request to the minimum) before proposing.
     */
    record GrantLease(long ttlMillis) implements KvRequest {
        public GrantLease {
            if (ttlMillis < 1) {
                throw new IllegalArgumentException("a lease's TTL is positive, not " + ttlMillis + " ms");
            }
        }
    }

    /**
     * Ends lease {@code id} and deletes its keys, all at one revision: revoked by a client, or {@code expired} as the
     * leader decided (never a follower's clock).
     */
    record RevokeLease(long id, boolean expired) implements KvRequest {
        public RevokeLease {
            if (id < 1) {
                throw new IllegalArgumentException("a lease id is positive, not " + id);
            }
        }
    }

    /**
     * A change of the access model ({@link io.tally.kv.auth.AuthState}). Only the root role may make one while
     * authentication is on (a user may change its own password); while it is off, anyone may.
     */
    sealed interface AuthChange extends KvRequest {
    }

    /**
     * Turns authentication on, with {@code signingKey} (chosen at random by the leader that proposed it) to sign tokens;
     * refused unless a root user exists. Already on: nothing changes.
     */
    record AuthEnable(byte[] signingKey) implements AuthChange {
        public AuthEnable {
            if (signingKey.length != io.tally.kv.auth.AuthState.KEY_BYTES) {
                throw new IllegalArgumentException("a signing key is " + io.tally.kv.auth.AuthState.KEY_BYTES + " bytes");
            }
            signingKey = signingKey.clone();
        }
    }

    /** Turns authentication off: every request is served again without credentials. */
    record AuthDisable() implements AuthChange {
    }

    /** Adds a user; the user named root gets the root role with it. */
    record UserAdd(String name, io.tally.kv.auth.PasswordHash password) implements AuthChange {
        public UserAdd {
            io.tally.kv.auth.Names.check("user", name);
            java.util.Objects.requireNonNull(password, "password");
        }
    }

    record UserDelete(String name) implements AuthChange {
        public UserDelete {
            io.tally.kv.auth.Names.check("user", name);
        }
    }

    /** Sets a user's password (and with it a new generation: its earlier tokens stop working). */
    record UserPassword(String name, io.tally.kv.auth.PasswordHash password) implements AuthChange {
        public UserPassword {
            io.tally.kv.auth.Names.check("user", name);
            java.util.Objects.requireNonNull(password, "password");
        }
    }

    /** Grants ({@code grant}) or revokes a role to or from a user. */
    record UserRole(String name, String role, boolean grant) implements AuthChange {
        public UserRole {
            io.tally.kv.auth.Names.check("user", name);
            io.tally.kv.auth.Names.check("role", role);
        }
    }

    /** Adds ({@code add}) or deletes a role; deleting it takes it from every user. The root role is built in. */
    record RoleChange(String name, boolean add) implements AuthChange {
        public RoleChange {
            io.tally.kv.auth.Names.check("role", name);
        }
    }

    /** Grants ({@code grant}) or revokes the rights of {@code permission} on its prefix to or from a role. */
    record RolePermission(String role, io.tally.kv.auth.Permission permission, boolean grant) implements AuthChange {
        public RolePermission {
            io.tally.kv.auth.Names.check("role", role);
            java.util.Objects.requireNonNull(permission, "permission");
        }
    }

    static void checkKey(String key) {
        java.util.Objects.requireNonNull(key, "key");
        int n = key.getBytes(StandardCharsets.UTF_8).length;
        if (n == 0 || n > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key must be 1.." + MAX_KEY_BYTES + " bytes of UTF-8, was " + n);
        }
    }

    static void checkPrefix(String prefix) {
        java.util.Objects.requireNonNull(prefix, "prefix");
        int n = prefix.getBytes(StandardCharsets.UTF_8).length;
        if (n > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("prefix must be at most " + MAX_KEY_BYTES + " bytes of UTF-8, was " + n);
        }
    }

    private static void checkExpected(long expectedVersion) {
        if (expectedVersion < ANY_VERSION) {
            throw new IllegalArgumentException("invalid expected version " + expectedVersion);
        }
    }
}
