package io.tally.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * What to watch ({@link TallyClient#watch(Watch)}): one key or every key under a prefix, from a revision on.
 *
 * <pre>{@code
 * client.watch(Watch.prefix("services/").from(lookup.revision() + 1)).subscribe(subscriber);
 * }</pre>
 *
 * @param key         the key, or null when watching a prefix
 * @param prefix      the prefix, or null when watching one key
 * @param from        the first revision of interest; 0 for "from now on" (the current revision + 1)
 * @param executor    where the subscriber's methods run (one at a time, in order); default
 *                    {@link ForkJoinPool#commonPool()}, as {@link java.util.concurrent.SubmissionPublisher}'s
 * @param giveUpAfter how long the watch may go without any node accepting it before it ends with
 *                    {@link ClusterUnavailableException}; null (the default): it retries for as long as it is
 *                    subscribed
 */
public record Watch(String key, String prefix, long from, Executor executor, Duration giveUpAfter) {

    public Watch {
        if ((key == null) == (prefix == null)) {
            throw new IllegalArgumentException("watch exactly one of a key and a prefix");
        }
        if (key != null && (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > Range.MAX_KEY_BYTES)) {
            throw new IllegalArgumentException("a key is 1 to " + Range.MAX_KEY_BYTES + " bytes");
        }
        if (prefix != null && prefix.getBytes(StandardCharsets.UTF_8).length > Range.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("a prefix is at most " + Range.MAX_KEY_BYTES + " bytes");
        }
        if (from < 0) {
            throw new IllegalArgumentException("from is a revision (>= 1), or 0 for now, not " + from);
        }
        Objects.requireNonNull(executor, "executor");
        if (giveUpAfter != null && (giveUpAfter.isNegative() || giveUpAfter.isZero())) {
            throw new IllegalArgumentException("giveUpAfter must be positive, not " + giveUpAfter);
        }
    }

    public static Watch key(String key) {
        return new Watch(Objects.requireNonNull(key, "key"), null, 0, ForkJoinPool.commonPool(), null);
    }

    /** Every key under {@code prefix} (the empty prefix: every key). */
    public static Watch prefix(String prefix) {
        return new Watch(null, Objects.requireNonNull(prefix, "prefix"), 0, ForkJoinPool.commonPool(), null);
    }

    /** Events of revision {@code revision} and later (the history a node keeps bounds how far back). */
    public Watch from(long revision) {
        if (revision < 1) {
            throw new IllegalArgumentException("a revision is >= 1, not " + revision);
        }
        return new Watch(key, prefix, revision, executor, giveUpAfter);
    }

    public Watch executor(Executor executor) {
        return new Watch(key, prefix, from, executor, giveUpAfter);
    }

    public Watch giveUpAfter(Duration giveUpAfter) {
        return new Watch(key, prefix, from, executor, Objects.requireNonNull(giveUpAfter, "giveUpAfter"));
    }

    /** The query string of a watch from {@code from}. */
    String query(long from) {
        String what = key != null ? "key=" + TallyClient.encodeParam(key) : "prefix=" + TallyClient.encodeParam(prefix);
        return what + "&from=" + from;
    }

    @Override
    public String toString() {
        return "Watch[" + (key != null ? "key " + key : "prefix " + prefix) + (from > 0 ? " from " + from : "") + "]";
    }
}
