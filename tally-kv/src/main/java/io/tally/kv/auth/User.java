package io.tally.kv.auth;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A user of the key/value API: a password hash and the roles granted to it.
 *
 * @param generation the revision at which the user was created or last changed its password; a token names the
 *                   generation it was issued for, so a password change or a delete-and-re-create voids earlier tokens
 */
public record User(String name, PasswordHash password, Set<String> roles, long generation) {

    public User {
        Names.check("user", name);
        Objects.requireNonNull(password, "password");
        roles = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(roles));
        for (String r : roles) {
            Names.check("role", r);
        }
        if (generation < 1) {
            throw new IllegalArgumentException("a user's generation is a revision, not " + generation);
        }
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    public User withRoles(Set<String> newRoles) {
        return new User(name, password, newRoles, generation);
    }
}
