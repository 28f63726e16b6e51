package io.tally.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A range read: the keys under a prefix, a page at a time, in key order ({@code GET /v1/kv?prefix=P}).
 *
 * <pre>{@code
 * Page page = client.range(Range.prefix("app/").limit(100));
 * while (page.more()) {
 *     page = client.range(Range.prefix("app/").limit(100).after(page.lastKey().orElseThrow()));
 * }
 * }</pre>
 *
 * Immutable: each {@code with}-style method returns a new range.
 *
 * @param prefix      the prefix; empty for every key
 * @param after       only keys after this one (exclusive), or null from the start
 * @param limit       the most keys in one page, 1 to {@value #MAX_LIMIT}
 * @param omitValues  the answer's keys carry no values ({@link #keysOnly()})
 * @param consistency how the read is served
 * @param timeout     the call's timeout, or null for the client's
 */
public record Range(String prefix, String after, int limit, boolean omitValues, Consistency consistency, Duration timeout) {

    /** The server's largest page; a larger {@code limit} is refused rather than cut short. */
    public static final int MAX_LIMIT = 10_000;
    public static final int DEFAULT_LIMIT = 1000;
    static final int MAX_KEY_BYTES = 4096;

    public Range {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(consistency, "consistency");
        if (prefix.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("a prefix is at most " + MAX_KEY_BYTES + " bytes");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, not " + timeout);
        }
    }

    /** The first page of up to {@value #DEFAULT_LIMIT} keys under {@code prefix}, linearizable. */
    public static Range prefix(String prefix) {
        return new Range(prefix, null, DEFAULT_LIMIT, false, Consistency.LINEARIZABLE, null);
    }

    /** Every key ({@code prefix} empty). */
    public static Range all() {
        return prefix("");
    }

    public Range after(String key) {
        return new Range(prefix, Objects.requireNonNull(key, "key"), limit, omitValues, consistency, timeout);
    }

    public Range limit(int limit) {
        return new Range(prefix, after, limit, omitValues, consistency, timeout);
    }

    /** Keys, versions and leases only: no values. */
    public Range keysOnly() {
        return new Range(prefix, after, limit, true, consistency, timeout);
    }

    public Range consistency(Consistency consistency) {
        return new Range(prefix, after, limit, omitValues, consistency, timeout);
    }

    public Range timeout(Duration timeout) {
        return new Range(prefix, after, limit, omitValues, consistency, Objects.requireNonNull(timeout, "timeout"));
    }

    public Optional<String> afterKey() {
        return Optional.ofNullable(after);
    }

    /** The query string, without timeout. */
    String query() {
        StringBuilder q = new StringBuilder("prefix=").append(TallyClient.encodeParam(prefix));
        if (after != null) {
            q.append("&after=").append(TallyClient.encodeParam(after));
        }
        q.append("&limit=").append(limit);
        if (omitValues) {
            q.append("&keys=true");
        }
        return q.append("&consistency=").append(consistency.param()).toString();
    }
}
