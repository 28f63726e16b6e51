package io.tally.kv;

import java.util.Locale;

/** How a read is served. */
public enum Consistency {
    /** ReadIndex on the leader (thesis §6.4): sees every write acknowledged before the read began. */
    LINEARIZABLE,
    /** The leader's lease (thesis §6.4.1): linearizable while clock drift stays within the configured margin. */
    LEASE,
    /** This node's local state, possibly behind the leader; served by any node. */
    STALE;

    /** Parses {@code linearizable}, {@code lease} or {@code stale}. */
    public static Consistency parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("consistency must be linearizable, lease or stale, not '" + s + "'");
        }
    }
}
