package io.tally.client;

import java.util.List;

/** A role and the permissions it grants; {@code root} grants everything (the prefix "" for read and write). */
public record AuthRole(String name, List<Permission> permissions) {

    public AuthRole {
        permissions = List.copyOf(permissions);
    }

    /** Read and/or write on every key that starts with {@code prefix}. */
    public record Permission(String prefix, boolean read, boolean write) {
    }
}
