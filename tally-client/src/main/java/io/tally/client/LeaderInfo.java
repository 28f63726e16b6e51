package io.tally.client;

import java.util.Objects;
import java.util.Optional;

/**
 * The leader after a leadership transfer ({@code POST /v1/cluster/leader}).
 *
 * @param id   the leader's id
 * @param http its HTTP address, if the configuration records one
 */
public record LeaderInfo(String id, Optional<String> http) {

    public LeaderInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(http, "http");
    }
}
