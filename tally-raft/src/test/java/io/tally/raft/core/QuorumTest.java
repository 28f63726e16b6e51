package io.tally.raft.core;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static io.tally.raft.core.Quorum.VoteResult.LOST;
import static io.tally.raft.core.Quorum.VoteResult.PENDING;
import static io.tally.raft.core.Quorum.VoteResult.WON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuorumTest {

    private static Set<String> ids(String prefix, int n) {
        Set<String> s = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            s.add(prefix + i);
        }
        return s;
    }

    /** Brute force: the largest i such that strictly more than half of the voters have match >= i. */
    private static long naiveMajorityIndex(Set<String> voters, Map<String, Long> match) {
        long best = 0;
        for (String candidate : voters) {
            long i = match.getOrDefault(candidate, 0L);
            int n = 0;
            for (String v : voters) {
                if (match.getOrDefault(v, 0L) >= i) {
                    n++;
                }
            }
            if (2 * n > voters.size() && i > best) {
                best = i;
            }
        }
        return best;
    }

    private static Configuration joint(Set<String> incoming, Set<String> outgoing) {
        List<Member> ms = new ArrayList<>();
        for (String id : incoming) {
            ms.add(Member.voter(id));
        }
        return new Configuration(ms, outgoing);
    }

    private static Map<String, Long> randomMatch(SplittableRandom r, Set<String> ids) {
        Map<String, Long> m = new HashMap<>();
        for (String id : ids) {
            m.put(id, (long) r.nextInt(0, 12));
        }
        return m;
    }

    // Figure 2, Rules for Servers (Leaders): commitIndex = N when a majority of matchIndex[i] >= N.
    @Test
    void majorityIndexMatchesBruteForceOracleForOneToSevenVoters() {
        SplittableRandom r = new SplittableRandom(42);
        for (int n = 1; n <= 7; n++) {
            Set<String> voters = ids("v", n);
            for (int trial = 0; trial < 2_000; trial++) {
                Map<String, Long> match = randomMatch(r, voters);
                assertEquals(naiveMajorityIndex(voters, match), Quorum.majorityIndex(voters, match::get),
                        "n=" + n + " match=" + match);
            }
        }
    }

    // Figure 2 majority rule on hand-picked edge cases (even sizes need n/2+1).
    @Test
    void majorityIndexEdgeCases() {
        assertEquals(5, Quorum.majorityIndex(Set.of("a"), id -> 5));
        assertEquals(3, Quorum.majorityIndex(ids("v", 2), id -> id.equals("v0") ? 3 : 9));
        Map<String, Long> four = Map.of("v0", 1L, "v1", 5L, "v2", 7L, "v3", 9L);
        assertEquals(5, Quorum.majorityIndex(ids("v", 4), four::get)); // 3 of 4 have >= 5
        assertEquals(Long.MAX_VALUE, Quorum.majorityIndex(Set.of(), id -> 0));
    }

    // Thesis §4.3: in a joint configuration an index is committed only with a majority of BOTH voter sets.
    @Test
    void jointCommittedIndexIsTheMinimumOfBothHalves() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 5_000; trial++) {
            int nIn = r.nextInt(1, 6);
            int nOut = r.nextInt(1, 6);
            int overlap = r.nextInt(0, Math.min(nIn, nOut) + 1);
            Set<String> incoming = ids("x", nIn);
            Set<String> outgoing = new LinkedHashSet<>();
            // share the first 'overlap' ids, as members staying across the change do
            int k = 0;
            for (String id : incoming) {
                if (k++ < overlap) {
                    outgoing.add(id);
                }
            }
            for (int i = 0; outgoing.size() < nOut; i++) {
                outgoing.add("y" + i);
            }
            Set<String> all = new LinkedHashSet<>(incoming);
            all.addAll(outgoing);
            Map<String, Long> match = randomMatch(r, all);
            Configuration c = joint(incoming, outgoing);
            long expected = Math.min(naiveMajorityIndex(incoming, match), naiveMajorityIndex(outgoing, match));
            assertEquals(expected, Quorum.committedIndex(c, match::get), c + " " + match);
        }
    }

    // Figure 2: a plain configuration's committed index is its voters' majority index; empty means nothing.
    @Test
    void committedIndexOfPlainAndEmptyConfigurations() {
        Configuration c = Configuration.ofVoters("a", "b", "c");
        Map<String, Long> m = Map.of("a", 4L, "b", 2L, "c", 9L);
        assertEquals(4, Quorum.committedIndex(c, m::get));
        assertEquals(0, Quorum.committedIndex(Configuration.EMPTY, id -> 7));
        // non-voters never count
        Configuration withLearner = Configuration.of(List.of(Member.voter("a"), Member.voter("b"),
                Member.nonVoter("l", "")));
        Map<String, Long> m2 = Map.of("a", 4L, "b", 1L, "l", 100L);
        assertEquals(1, Quorum.committedIndex(withLearner, m2::get));
    }

    private static Quorum.VoteResult naiveVote(Set<String> voters, Map<String, Boolean> votes) {
        if (voters.isEmpty()) {
            return WON;
        }
        int yes = 0;
        int no = 0;
        for (String v : voters) {
            Boolean b = votes.get(v);
            if (Boolean.TRUE.equals(b)) {
                yes++;
            } else if (Boolean.FALSE.equals(b)) {
                no++;
            }
        }
        int missing = voters.size() - yes - no;
        if (2 * yes > voters.size()) {
            return WON;
        }
        if (2 * (yes + missing) <= voters.size()) {
            return LOST; // even if every missing voter granted, no majority
        }
        return PENDING;
    }

    // §5.2: a candidate wins with votes from a majority; it has lost once a majority can no longer be reached.
    @Test
    void majorityVoteWonLostPendingMatchesOracle() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n = 1; n <= 7; n++) {
            Set<String> voters = ids("v", n);
            for (int trial = 0; trial < 2_000; trial++) {
                Map<String, Boolean> votes = new HashMap<>();
                for (String v : voters) {
                    int x = r.nextInt(3);
                    if (x < 2) {
                        votes.put(v, x == 0);
                    }
                }
                if (r.nextBoolean()) {
                    votes.put("stranger", true); // a non-voter's vote must not count
                }
                assertEquals(naiveVote(voters, votes), Quorum.majorityVote(voters, votes), "n=" + n + " " + votes);
            }
        }
    }

    // §5.2 on hand-picked cases, including the split-vote 2-of-4.
    @Test
    void voteOutcomesOnPlainConfiguration() {
        Configuration three = Configuration.ofVoters("a", "b", "c");
        assertEquals(PENDING, Quorum.vote(three, Map.of("a", true)));
        assertEquals(WON, Quorum.vote(three, Map.of("a", true, "b", true)));
        assertEquals(PENDING, Quorum.vote(three, Map.of("a", true, "b", false)));
        assertEquals(LOST, Quorum.vote(three, Map.of("a", true, "b", false, "c", false)));
        assertEquals(LOST, Quorum.vote(three, Map.of("b", false, "c", false)));
        Configuration four = Configuration.ofVoters("a", "b", "c", "d");
        assertEquals(LOST, Quorum.vote(four, Map.of("a", true, "b", true, "c", false, "d", false)));
        assertEquals(PENDING, Quorum.vote(four, Map.of("a", true, "b", true, "c", false)));
        assertEquals(WON, Quorum.vote(Configuration.ofVoters("a"), Map.of("a", true)));
    }

    // Thesis §4.3: elections in joint consensus need separate majorities from both configurations.
    @Test
    void jointVoteNeedsBothHalves() {
        Configuration c = joint(new LinkedHashSet<>(List.of("a", "b", "c")), Set.of("c", "d", "e"));
        // a majority of the new half only
        assertEquals(PENDING, Quorum.vote(c, Map.of("a", true, "b", true)));
        // majority of both halves
        assertEquals(WON, Quorum.vote(c, Map.of("a", true, "c", true, "d", true)));
        // lost in the old half even though the new half is won
        assertEquals(LOST, Quorum.vote(c, Map.of("a", true, "b", true, "d", false, "e", false)));
        // lost in the new half
        assertEquals(LOST, Quorum.vote(c, Map.of("a", false, "b", false, "d", true, "e", true)));

        SplittableRandom r = new SplittableRandom(11);
        Set<String> in = new LinkedHashSet<>(List.of("a", "b", "c"));
        Set<String> out = new LinkedHashSet<>(List.of("c", "d", "e", "f"));
        Configuration j = joint(in, out);
        for (int trial = 0; trial < 3_000; trial++) {
            Map<String, Boolean> votes = new HashMap<>();
            for (String v : List.of("a", "b", "c", "d", "e", "f")) {
                int x = r.nextInt(3);
                if (x < 2) {
                    votes.put(v, x == 0);
                }
            }
            Quorum.VoteResult a = naiveVote(in, votes);
            Quorum.VoteResult b = naiveVote(out, votes);
            Quorum.VoteResult expected = a == LOST || b == LOST ? LOST : a == WON && b == WON ? WON : PENDING;
            assertEquals(expected, Quorum.vote(j, votes), votes.toString());
        }
    }

    // Thesis §6.2 (CheckQuorum) counts contact from a majority — of both halves when joint (§4.3).
    @Test
    void isQuorumForPlainAndJointConfigurations() {
        Configuration three = Configuration.ofVoters("a", "b", "c");
        assertTrue(Quorum.isQuorum(three, Set.of("a", "b")));
        assertFalse(Quorum.isQuorum(three, Set.of("a")));
        assertFalse(Quorum.isQuorum(three, Set.of("a", "x", "y")));
        Configuration four = Configuration.ofVoters("a", "b", "c", "d");
        assertFalse(Quorum.isQuorum(four, Set.of("a", "b")));
        assertTrue(Quorum.isQuorum(four, Set.of("a", "b", "d")));

        Configuration c = joint(new LinkedHashSet<>(List.of("a", "b", "c")), Set.of("c", "d", "e"));
        assertFalse(Quorum.isQuorum(c, Set.of("a", "b")));
        assertFalse(Quorum.isQuorum(c, Set.of("d", "e")));
        assertTrue(Quorum.isQuorum(c, Set.of("a", "c", "d")));
        assertTrue(Quorum.isQuorum(c, Set.of("a", "b", "d", "e")));
    }
}
