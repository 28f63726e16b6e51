package io.tally.client;

import java.time.Duration;
import java.util.Objects;

/**
 * A lease the cluster granted ({@link TallyClient#grantLease(Duration)}).
 *
 * @param id  its id (also the revision that granted it)
 * @param ttl its time to live, as the cluster rounded it (at least the cluster's minimum)
 */
public record LeaseGrant(long id, Duration ttl) {

    public LeaseGrant {
        Objects.requireNonNull(ttl, "ttl");
    }
}
