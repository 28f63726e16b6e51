package io.tally.raft.core;

import io.tally.raft.model.Configuration;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Quorum arithmetic for majority and joint configurations (Raft thesis §4.3: in a joint
 * configuration every decision needs a majority of both voter sets).
 */
public final class Quorum {

    /** Outcome of counting votes. */
    public enum VoteResult { WON, LOST, PENDING }

    private Quorum() {
    }

    /**
     * The highest index acknowledged by a majority of {@code voters}, where {@code match} gives each
     * voter's acknowledged index. An empty voter set imposes no constraint ({@code Long.MAX_VALUE}),
     * so that a non-joint configuration's empty outgoing half never limits the result.
     */
    public static long majorityIndex(Set<String> voters, ToLongFunction<String> match) {
        if (voters.isEmpty()) {
            return Long.MAX_VALUE;
        }
        long[] idx = new long[voters.size()];
        int i = 0;
        for (String v : voters) {
            idx[i++] = match.applyAsLong(v);
        }
        Arrays.sort(idx);
        // With n voters sorted ascending, the value at position n - (n/2 + 1) is held by a majority.
        return idx[idx.length - (idx.length / 2 + 1)];
    }

    /** The committed index of a (possibly joint) configuration: the lower of both halves. */
    public static long committedIndex(Configuration c, ToLongFunction<String> match) {
        long incoming = majorityIndex(c.voters(), match);
        long outgoing = majorityIndex(c.outgoingVoters(), match);
        long r = Math.min(incoming, outgoing);
        return r == Long.MAX_VALUE ? 0 : r;
    }

    public static VoteResult majorityVote(Set<String> voters, Map<String, Boolean> votes) {
        if (voters.isEmpty()) {
            return VoteResult.WON;
        }
        int granted = 0;
        int rejected = 0;
        for (String v : voters) {
            Boolean b = votes.get(v);
            if (b == null) {
                continue;
            }
            if (b) {
                granted++;
            } else {
                rejected++;
            }
        }
        int q = voters.size() / 2 + 1;
        if (granted >= q) {
            return VoteResult.WON;
        }
        if (rejected > voters.size() - q) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    /** Vote outcome in a possibly joint configuration: both halves must be won. */
    public static VoteResult vote(Configuration c, Map<String, Boolean> votes) {
        VoteResult a = majorityVote(c.voters(), votes);
        VoteResult b = majorityVote(c.outgoingVoters(), votes);
        if (a == VoteResult.LOST || b == VoteResult.LOST) {
            return VoteResult.LOST;
        }
        if (a == VoteResult.WON && b == VoteResult.WON) {
            return VoteResult.WON;
        }
        return VoteResult.PENDING;
    }

    /** Whether the ids in {@code active} form a quorum of the configuration. */
    public static boolean isQuorum(Configuration c, Set<String> active) {
        return hasMajority(c.voters(), active) && hasMajority(c.outgoingVoters(), active);
    }

    private static boolean hasMajority(Set<String> voters, Set<String> active) {
        if (voters.isEmpty()) {
            return true;
        }
        int n = 0;
        for (String v : voters) {
            if (active.contains(v)) {
                n++;
            }
        }
        return n >= voters.size() / 2 + 1;
    }
}
