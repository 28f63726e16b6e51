package io.tally.client;

import java.nio.charset.StandardCharsets;

/** A key, its value and its version (the Raft index of its last write). */
public record KeyValue(String key, byte[] value, long version) {

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
