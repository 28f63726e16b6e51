package io.tally.client;

/** How many keys a prefix holds ({@link TallyClient#count(String)}), at the store's revision {@code revision}. */
public record Count(long count, long revision) {
}
