package io.tally.raft;

import io.tally.raft.model.Configuration;

/**
 * A committed cluster membership.
 *
 * @param index         index of the log entry holding it (or of the snapshot covering it); pass it as the
 *                      expected index of a later change to make that change conditional on this membership
 * @param configuration the members, voters and non-voters
 */
public record Membership(long index, Configuration configuration) {
}
