package io.tally.client;

import java.util.Locale;

/** How a read is served (see the server's HTTP API). */
public enum Consistency {
    LINEARIZABLE, LEASE, STALE;

    String param() {
        return name().toLowerCase(Locale.ROOT);
    }
}
