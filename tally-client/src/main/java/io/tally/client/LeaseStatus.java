package io.tally.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A lease as the leader sees it ({@link TallyClient#leaseStatus(long)}).
 *
 * @param id        its id
 * @param ttl       its time to live
 * @param remaining how long until it expires without a keep-alive, by the leader's clock
 * @param keys      the keys attached to it, in key order
 */
public record LeaseStatus(long id, Duration ttl, Duration remaining, List<String> keys) {

    public LeaseStatus {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(remaining, "remaining");
        keys = List.copyOf(keys);
    }
}
