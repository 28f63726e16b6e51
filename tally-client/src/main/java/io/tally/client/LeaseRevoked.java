package io.tally.client;

/** A revoked lease ({@link TallyClient#revokeLease(long)}): the keys deleted with it, all at {@code revision}. */
public record LeaseRevoked(long id, long deletedKeys, long revision) {
}
