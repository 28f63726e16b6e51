package io.tally.kv;

import io.tally.kv.auth.Access;
import io.tally.kv.auth.AuthState;

/**
 * Who may apply which command while authentication is on (etcd's rules): a key write needs write permission on the
 * key, a prefix delete on the whole prefix; a transaction needs read permission on every key it compares or gets and
 * write permission on every key or prefix it writes, in both branches, or it is refused entirely; a lease's revocation
 * needs write permission on every key attached to it; a grant or a session needs only a known user; a change of the
 * access model needs the root role (or, for a password, the user itself). The leader's own commands (a lease's
 * expiry) carry no user and are always permitted.
 *
 * <p>The state machine asks this when it applies a command, against the state the command finds, so that a
 * permission revoked while a write was in flight is still enforced; the HTTP layer asks the same question earlier,
 * against its own view, to refuse at once.
 */
public final class CommandAuthorization {

    private CommandAuthorization() {
    }

    /**
     * Null if {@code cmd}'s user may apply it to {@code view} (always, while authentication is off); otherwise what is
     * refused, in words.
     */
    public static String denial(KvView view, KvCommand cmd) {
        AuthState auth = view.auth();
        if (!auth.enabled()) {
            return null;
        }
        KvRequest r = cmd.request();
        String user = cmd.user();
        if (user.isEmpty()) {
            return r instanceof KvRequest.RevokeLease l && l.expired() ? null : "the request carries no user";
        }
        if (auth.user(user).isEmpty()) {
            return "there is no user '" + user + "'";
        }
        if (r instanceof KvRequest.Put p) {
            return need(auth, user, Access.WRITE, p.key(), false);
        } else if (r instanceof KvRequest.Append a) {
            return need(auth, user, Access.WRITE, a.key(), false);
        } else if (r instanceof KvRequest.Delete d) {
            return need(auth, user, Access.WRITE, d.key(), false);
        } else if (r instanceof KvRequest.DeletePrefix d) {
            return need(auth, user, Access.WRITE, d.prefix(), true);
        } else if (r instanceof KvRequest.Txn t) {
            return txn(auth, user, t);
        } else if (r instanceof KvRequest.RevokeLease l) {
            if (l.expired()) {
                return "only the leader expires leases";
            }
            Lease lease = view.lease(l.id()).orElse(null);
            if (lease != null) {
                for (String key : lease.keys()) {
                    String d = need(auth, user, Access.WRITE, key, false);
                    if (d != null) {
                        return d + " (it is attached to lease " + l.id() + ")";
                    }
                }
            }
            return null;
        } else if (r instanceof KvRequest.Register || r instanceof KvRequest.GrantLease) {
            return null;
        } else if (r instanceof KvRequest.UserPassword u && u.name().equals(user)) {
            return null;
        } else if (r instanceof KvRequest.AuthChange) {
            return auth.isRoot(user) ? null : "user '" + user + "' does not hold the root role, which changing users, "
                    + "roles and authentication needs";
        }
        return "unknown request " + r;
    }

    private static String txn(AuthState auth, String user, KvRequest.Txn t) {
        for (Compare c : t.compare()) {
            String d = need(auth, user, Access.READ, c.key(), false);
            if (d != null) {
                return d;
            }
        }
        for (java.util.List<TxnOp> branch : java.util.List.of(t.success(), t.failure())) {
            for (TxnOp op : branch) {
                String d = null;
                if (op instanceof TxnOp.Get g) {
                    d = need(auth, user, Access.READ, g.key(), false);
                } else if (op instanceof TxnOp.Put p) {
                    d = need(auth, user, Access.WRITE, p.key(), false);
                } else if (op instanceof TxnOp.Delete del) {
                    d = need(auth, user, Access.WRITE, del.key(), false);
                } else if (op instanceof TxnOp.DeletePrefix dp) {
                    d = need(auth, user, Access.WRITE, dp.prefix(), true);
                }
                if (d != null) {
                    return d;
                }
            }
        }
        return null;
    }

    /** Null if {@code user} may {@code access} the key (or every key under the prefix), else the refusal in words. */
    public static String need(AuthState auth, String user, Access access, String keyOrPrefix, boolean prefix) {
        if (auth.permits(user, access, keyOrPrefix)) {
            return null;
        }
        return "user '" + user + "' may not " + access.word() + " " + (prefix ? "every key under prefix '" : "key '")
                + keyOrPrefix + "'";
    }
}
