package io.tally.client;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to a read of one key: the key, if it exists, and the store's revision the answer reflects (the
 * {@code X-Tally-Index} of the answer; 0 from a server too old to say). Every write up to {@code revision} is in it;
 * a blocking query
 * ({@link TallyClient#awaitChange(String, long, java.time.Duration)}) passes it back to wait for the next change.
 */
public record Lookup(String key, Optional<KeyValue> value, long revision) {

    public Lookup {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    public boolean exists() {
        return value.isPresent();
    }
}
