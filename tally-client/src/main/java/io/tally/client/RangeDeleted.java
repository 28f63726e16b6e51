package io.tally.client;

/** What a prefix delete did ({@link TallyClient#deletePrefix(String)}): the keys it deleted, all at one revision. */
public record RangeDeleted(long deleted, long revision) {
}
