package io.tally.client;

import java.util.List;

/** A user of the access model and its roles (never its password, which the cluster keeps only as a hash). */
public record AuthUser(String name, List<String> roles) {

    public AuthUser {
        roles = List.copyOf(roles);
    }
}
