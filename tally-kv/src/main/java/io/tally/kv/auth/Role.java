package io.tally.kv.auth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A named set of permissions, at most one per prefix, kept in prefix order. The role named {@value #ROOT} is built in:
 * it is never stored, holds every permission and administers the cluster.
 */
public record Role(String name, List<Permission> permissions) {

    public static final String ROOT = "root";

    public Role {
        Names.check("role", name);
        permissions = List.copyOf(permissions);
        for (int i = 1; i < permissions.size(); i++) {
            if (permissions.get(i - 1).prefix().compareTo(permissions.get(i).prefix()) >= 0) {
                throw new IllegalArgumentException("a role's permissions are in prefix order, one per prefix");
            }
        }
    }

    public static Role empty(String name) {
        return new Role(name, List.of());
    }

    /** This role with {@code p}'s rights added to its permission on {@code p.prefix()} (created if absent). */
    public Role grant(Permission p) {
        List<Permission> out = new ArrayList<>(permissions);
        out.removeIf(q -> q.prefix().equals(p.prefix()));
        Permission old = find(p.prefix());
        out.add(old == null ? p : new Permission(p.prefix(), old.read() || p.read(), old.write() || p.write()));
        out.sort(Comparator.comparing(Permission::prefix));
        return new Role(name, out);
    }

    /**
     * This role with {@code p}'s rights taken from its permission on exactly {@code p.prefix()}; the permission goes when
     * it keeps no right. Null when the role holds no permission on that prefix.
     */
    public Role revoke(Permission p) {
        Permission old = find(p.prefix());
        if (old == null) {
            return null;
        }
        List<Permission> out = new ArrayList<>(permissions);
        out.remove(old);
        boolean read = old.read() && !p.read();
        boolean write = old.write() && !p.write();
        if (read || write) {
            out.add(new Permission(p.prefix(), read, write));
            out.sort(Comparator.comparing(Permission::prefix));
        }
        return new Role(name, out);
    }

    public Permission find(String prefix) {
        for (Permission p : permissions) {
            if (p.prefix().equals(prefix)) {
                return p;
            }
        }
        return null;
    }

    /** Whether this role allows {@code access} on every key starting with {@code keyPrefix}. */
    public boolean allows(Access access, String keyPrefix) {
        Objects.requireNonNull(keyPrefix);
        for (Permission p : permissions) {
            if (p.allows(access) && p.covers(keyPrefix)) {
                return true;
            }
        }
        return false;
    }
}
