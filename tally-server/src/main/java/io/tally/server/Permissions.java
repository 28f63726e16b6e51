package io.tally.server;

import io.tally.kv.CommandAuthorization;
import io.tally.kv.KvCommand;
import io.tally.kv.KvService;
import io.tally.kv.auth.Access;
import io.tally.kv.auth.AuthState;

/**
 * The checks a handler makes before it serves (etcd's rules): read permission on a key or on a whole prefix, write
 * permission through the command it would propose ({@link CommandAuthorization}), the root role for cluster
 * administration. Each check reads this node's applied access model and passes at once while authentication is off;
 * a refusal is 403 {@code permission-denied} and nothing is done. A write is checked once more when it applies.
 */
final class Permissions {

    static final String DENIED = "permission-denied";

    private Permissions() {
    }

    static HttpError denied(String message) {
        return new HttpError(403, DENIED, message + "; nothing was done");
    }

    /** Read permission on {@code key}, or with {@code prefix} on every key under it. */
    static void read(KvService kv, Exchange ex, String keyOrPrefix, boolean prefix) throws HttpError {
        AuthState auth = kv.store().view().auth();
        if (!auth.enabled()) {
            return;
        }
        String d = CommandAuthorization.need(auth, ex.user(), Access.READ, keyOrPrefix, prefix);
        if (d != null) {
            throw denied(d);
        }
    }

    /** Whatever {@code cmd} needs, as the state machine will check it when it applies. */
    static void command(KvService kv, Exchange ex, KvCommand cmd) throws HttpError {
        String d = CommandAuthorization.denial(kv.store().view(), cmd.withUser(ex.user()));
        if (d != null) {
            throw denied(d);
        }
    }

    /** The root role: membership, leadership, backups, users and roles. {@code what} names the action. */
    static void root(KvService kv, Exchange ex, String what) throws HttpError {
        AuthState auth = kv.store().view().auth();
        if (auth.enabled() && !auth.isRoot(ex.user())) {
            throw denied("user '" + ex.user() + "' does not hold the root role, which " + what + " needs");
        }
    }

    /** Any authenticated user (while authentication is on). */
    static void user(KvService kv, Exchange ex) throws HttpError {
        if (kv.store().view().auth().enabled() && ex.user().isEmpty()) {
            throw Authenticator.unauthenticated("this request needs a user");
        }
    }
}
