package io.tally.kv;

import io.tally.kv.auth.AuthState;
import io.tally.kv.auth.Role;
import io.tally.kv.auth.User;

import java.util.Set;
import java.util.TreeSet;

/**
 * How each {@link KvRequest.AuthChange} changes the access model, and the rules it must keep: authentication turns on
 * only once a root user exists, and while it is on the root user can neither be deleted nor lose the root role (nobody
 * could administer the cluster any more). Who may make a change is {@link CommandAuthorization}'s question.
 */
final class AuthChanges {

    private AuthChanges() {
    }

    /** The state after a change, or why nothing changed. */
    record Outcome(KvResult.Status status, AuthState state) {
        static Outcome ok(AuthState s) {
            return new Outcome(KvResult.Status.OK, s);
        }

        static Outcome refused(KvResult.Status status) {
            return new Outcome(status, null);
        }
    }

    static Outcome apply(AuthState auth, KvRequest.AuthChange change, long revision) {
        if (change instanceof KvRequest.AuthEnable e) {
            if (auth.enabled()) {
                return Outcome.ok(auth); // already on: the key in force stays
            }
            if (!auth.isRoot(Role.ROOT)) {
                return Outcome.refused(KvResult.Status.AUTH_CONFLICT);
            }
            return Outcome.ok(auth.withEnabled(true, revision, e.signingKey()));
        } else if (change instanceof KvRequest.AuthDisable) {
            return Outcome.ok(auth.enabled() ? auth.withEnabled(false, auth.keyId(), auth.key()) : auth);
        } else if (change instanceof KvRequest.UserAdd u) {
            if (auth.users().containsKey(u.name())) {
                return Outcome.refused(KvResult.Status.USER_EXISTS);
            }
            Set<String> roles = u.name().equals(Role.ROOT) ? Set.of(Role.ROOT) : Set.of();
            return Outcome.ok(auth.withUser(new User(u.name(), u.password(), roles, revision)));
        } else if (change instanceof KvRequest.UserDelete u) {
            if (!auth.users().containsKey(u.name())) {
                return Outcome.refused(KvResult.Status.USER_NOT_FOUND);
            }
            if (auth.enabled() && u.name().equals(Role.ROOT)) {
                return Outcome.refused(KvResult.Status.AUTH_CONFLICT);
            }
            return Outcome.ok(auth.withoutUser(u.name()));
        } else if (change instanceof KvRequest.UserPassword u) {
            User old = auth.users().get(u.name());
            if (old == null) {
                return Outcome.refused(KvResult.Status.USER_NOT_FOUND);
            }
            return Outcome.ok(auth.withUser(new User(old.name(), u.password(), old.roles(), revision)));
        } else if (change instanceof KvRequest.UserRole u) {
            User old = auth.users().get(u.name());
            if (old == null) {
                return Outcome.refused(KvResult.Status.USER_NOT_FOUND);
            }
            if (!auth.roleExists(u.role())) {
                return Outcome.refused(KvResult.Status.ROLE_NOT_FOUND);
            }
            Set<String> roles = new TreeSet<>(old.roles());
            if (u.grant()) {
                roles.add(u.role());
            } else {
                if (!roles.remove(u.role())) {
                    return Outcome.refused(KvResult.Status.ROLE_NOT_FOUND);
                }
                if (auth.enabled() && u.name().equals(Role.ROOT) && u.role().equals(Role.ROOT)) {
                    return Outcome.refused(KvResult.Status.AUTH_CONFLICT);
                }
            }
            return Outcome.ok(auth.withUser(old.withRoles(roles)));
        } else if (change instanceof KvRequest.RoleChange r) {
            if (r.add()) {
                return auth.roleExists(r.name()) ? Outcome.refused(KvResult.Status.ROLE_EXISTS)
                        : Outcome.ok(auth.withRole(Role.empty(r.name())));
            }
            if (r.name().equals(Role.ROOT)) {
                return Outcome.refused(KvResult.Status.AUTH_CONFLICT); // built in
            }
            return auth.roles().containsKey(r.name()) ? Outcome.ok(auth.withoutRole(r.name()))
                    : Outcome.refused(KvResult.Status.ROLE_NOT_FOUND);
        } else if (change instanceof KvRequest.RolePermission r) {
            if (r.role().equals(Role.ROOT)) {
                return Outcome.refused(KvResult.Status.AUTH_CONFLICT); // it holds every permission already
            }
            Role old = auth.roles().get(r.role());
            if (old == null) {
                return Outcome.refused(KvResult.Status.ROLE_NOT_FOUND);
            }
            Role changed = r.grant() ? old.grant(r.permission()) : old.revoke(r.permission());
            return changed == null ? Outcome.refused(KvResult.Status.ROLE_NOT_FOUND) : Outcome.ok(auth.withRole(changed));
        }
        throw new IllegalStateException("not an access-model change: " + change);
    }
}
