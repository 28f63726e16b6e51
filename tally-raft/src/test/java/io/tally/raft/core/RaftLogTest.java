package io.tally.raft.core;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.model.Configuration;
import io.tally.raft.model.ConfigurationCodec;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftLogTest {

    private static final Configuration ABC = Configuration.ofVoters("a", "b", "c");
    private static final Configuration ABCDE = Configuration.ofVoters("a", "b", "c", "d", "e");

    private static Entry cmd(long index, long term) {
        return new Entry(index, term, EntryType.COMMAND, new byte[] {(byte) index});
    }

    private static Entry conf(long index, long term, Configuration c) {
        return new Entry(index, term, EntryType.CONFIGURATION, ConfigurationCodec.encode(c));
    }

    /** Durable log with the given terms at indexes 1..n (entry 1 is the configuration ABC). */
    private static RaftLog logWithTerms(long... terms) {
        List<Entry> es = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            es.add(i == 0 ? conf(1, terms[0], ABC) : cmd(i + 1, terms[i]));
        }
        return new RaftLog(0, 0, Configuration.EMPTY, es);
    }

    // Figure 2: the log is indexed from 1; index 0 has term 0 so an empty prefix always matches (§5.3).
    @Test
    void emptyLogHasIndexZeroOfTermZero() {
        RaftLog log = new RaftLog(0, 0, Configuration.EMPTY, List.of());
        assertTrue(log.isEmpty());
        assertEquals(0, log.lastIndex());
        assertEquals(0, log.lastTerm());
        assertEquals(0, log.term(0));
        assertEquals(-1, log.term(1));
        assertTrue(log.matches(0, 0));
        assertEquals(0, log.stableIndex());
    }

    // §5.3: append adds entries contiguously; term() and matches() give the consistency check.
    @Test
    void appendTermAndMatches() {
        RaftLog log = logWithTerms(1, 1, 2);
        assertEquals(3, log.stableIndex(), "recovered entries are durable");
        log.append(cmd(4, 2));
        log.append(cmd(5, 3));
        assertEquals(5, log.lastIndex());
        assertEquals(3, log.lastTerm());
        assertEquals(3, log.stableIndex(), "appended entries are not durable until stableTo");
        assertEquals(2, log.term(4));
        assertTrue(log.matches(4, 2));
        assertFalse(log.matches(4, 3));
        assertFalse(log.matches(6, 3), "beyond the end never matches");
        assertEquals(-1, log.term(6));
        assertEquals(List.of(cmd(2, 1), cmd(3, 2), cmd(4, 2)), log.slice(2, 5, Long.MAX_VALUE));
        assertEquals(1, log.slice(2, 5, 1).size(), "slice returns at least one entry");
    }

    // Log Matching invariant preconditions: entries are contiguous and terms never decrease (§5.3).
    @Test
    void appendRejectsGapsAndDecreasingTerms() {
        RaftLog log = logWithTerms(1, 2);
        assertThrows(IllegalStateException.class, () -> log.append(cmd(4, 2)));
        assertThrows(IllegalStateException.class, () -> log.append(cmd(2, 2)));
        assertThrows(IllegalStateException.class, () -> log.append(cmd(3, 1)));
        assertThrows(IllegalArgumentException.class,
                () -> new RaftLog(0, 0, Configuration.EMPTY, List.of(cmd(1, 1), cmd(3, 1))));
    }

    // §5.3: a follower deletes a conflicting entry and all that follow; the durable watermark drops with them.
    @Test
    void truncateFromRemovesSuffixAndLowersStableIndex() {
        RaftLog log = logWithTerms(1, 1, 1, 2, 2);
        assertEquals(5, log.stableIndex());
        log.truncateFrom(4);
        assertEquals(3, log.lastIndex());
        assertEquals(1, log.lastTerm());
        assertEquals(3, log.stableIndex());
        log.append(cmd(4, 3));
        assertEquals(3, log.term(4));
        assertEquals(3, log.stableIndex());
        log.truncateFrom(10); // beyond the end: no-op
        assertEquals(4, log.lastIndex());
        assertEquals(3, log.stableIndex());
    }

    // Thesis §10.2.1 / persistence: a write acknowledged for (index, term) that was truncated meanwhile proves nothing.
    @Test
    void stableToIgnoresIndexTermThatNoLongerMatchesAfterTruncation() {
        RaftLog log = logWithTerms(1, 1);
        log.append(cmd(3, 2));
        log.append(cmd(4, 2)); // write of 3..4 (term 2) issued
        log.truncateFrom(3);   // leader of term 3 overwrites them before the write completes
        log.append(cmd(3, 3));
        assertFalse(log.stableTo(4, 2), "index 4 is gone");
        assertFalse(log.stableTo(3, 2), "index 3 now has term 3");
        assertEquals(2, log.stableIndex());
        assertTrue(log.stableTo(3, 3));
        assertEquals(3, log.stableIndex());
        assertFalse(log.stableTo(3, 3), "not an advance");
        assertFalse(log.stableTo(2, 1), "never moves backwards");
        assertEquals(3, log.stableIndex());
    }

    // §5.3 optimisation (fast back-off): the leader finds its last entry of the follower's conflicting term.
    @Test
    void lastIndexOfTerm() {
        RaftLog log = logWithTerms(1, 1, 2, 2, 2, 4, 4); // indexes 1..7
        assertEquals(5, log.lastIndexOfTerm(2, 7));
        assertEquals(4, log.lastIndexOfTerm(2, 4));
        assertEquals(7, log.lastIndexOfTerm(4, 7));
        assertEquals(7, log.lastIndexOfTerm(4, 100), "atOrBelow beyond the end is clamped");
        assertEquals(2, log.lastIndexOfTerm(1, 7));
        assertEquals(-1, log.lastIndexOfTerm(3, 7), "term absent");
        assertEquals(-1, log.lastIndexOfTerm(4, 5), "only lower terms at or below 5");
        assertEquals(-1, log.lastIndexOfTerm(5, 7), "term above every entry");
    }

    // §5.3 optimisation: the follower reports the first index it stores for the conflicting term.
    @Test
    void firstIndexOfTermAt() {
        RaftLog log = logWithTerms(1, 1, 2, 2, 2, 4, 4);
        assertEquals(1, log.firstIndexOfTermAt(1));
        assertEquals(1, log.firstIndexOfTermAt(2));
        assertEquals(3, log.firstIndexOfTermAt(3));
        assertEquals(3, log.firstIndexOfTermAt(5));
        assertEquals(6, log.firstIndexOfTermAt(7));

        // with a snapshot, the run stops at the first index in the log
        RaftLog snap = new RaftLog(10, 3, ABC, List.of(cmd(11, 3), cmd(12, 3), cmd(13, 5)));
        assertEquals(11, snap.firstIndexOfTermAt(12));
        assertEquals(13, snap.firstIndexOfTermAt(13));
        assertEquals(3, snap.term(10));
        assertTrue(snap.matches(10, 3));
        assertEquals(-1, snap.term(9), "compacted");
    }

    // §5.4.1: the later last term wins; with equal last terms the longer log is at least as up to date.
    @Test
    void isUpToDateComparesLastTermThenLastIndex() {
        RaftLog log = logWithTerms(1, 1, 2, 2, 2, 4, 4); // last (7, 4)
        assertTrue(log.isUpToDate(7, 4), "identical");
        assertTrue(log.isUpToDate(8, 4), "same term, longer");
        assertFalse(log.isUpToDate(6, 4), "same term, shorter");
        assertFalse(log.isUpToDate(100, 3), "longer but older last term");
        assertTrue(log.isUpToDate(1, 5), "shorter but newer last term");
        RaftLog empty = new RaftLog(0, 0, Configuration.EMPTY, List.of());
        assertTrue(empty.isUpToDate(0, 0));
        assertFalse(log.isUpToDate(0, 0));
    }

    // Thesis §4.1: a configuration takes effect as soon as it is in the log, and reverts when truncated away.
    @Test
    void latestConfigurationFollowsAppendsAndTruncation() {
        RaftLog log = logWithTerms(1, 1, 2); // entry 1 = ABC
        assertEquals(ABC, log.latestConfiguration());
        assertEquals(1, log.latestConfigurationIndex());
        log.append(conf(4, 2, ABCDE));
        log.append(cmd(5, 2));
        assertEquals(ABCDE, log.latestConfiguration(), "in force once appended, before commit");
        assertEquals(4, log.latestConfigurationIndex());
        assertEquals(ABC, log.configurationAtOrBelow(3));
        assertEquals(ABCDE, log.configurationAtOrBelow(4));
        assertEquals(ABCDE, log.configurationAtOrBelow(5));
        assertEquals(Configuration.EMPTY, log.configurationAtOrBelow(0));

        log.truncateFrom(5);
        assertEquals(ABCDE, log.latestConfiguration(), "truncating after the entry keeps it");
        log.truncateFrom(4);
        assertEquals(ABC, log.latestConfiguration(), "truncating the entry reverts to the previous configuration");
        assertEquals(1, log.latestConfigurationIndex());
        assertEquals(ABC, log.configurationAtOrBelow(100));
    }

    // Thesis §5.1 (a snapshot carries the latest configuration): with no configuration entries the snapshot's is in force.
    @Test
    void snapshotConfigurationIsUsedWhenNoEntryHoldsOne() {
        RaftLog log = new RaftLog(10, 3, ABCDE, List.of(cmd(11, 3)));
        assertEquals(ABCDE, log.latestConfiguration());
        assertEquals(10, log.latestConfigurationIndex());
        log.append(conf(12, 3, ABC));
        assertEquals(ABC, log.latestConfiguration());
        assertEquals(ABCDE, log.configurationAtOrBelow(11));
        log.truncateFrom(12);
        assertEquals(ABCDE, log.latestConfiguration());
        assertThrows(IllegalStateException.class, () -> log.truncateFrom(10));
    }

    // §7: a snapshot whose last entry the log holds (same index and term) keeps the entries after it.
    @Test
    void installSnapshotKeepsAFollowingSuffix() {
        RaftLog log = new RaftLog(0, 0, Configuration.EMPTY, List.of(
                new Entry(1, 1, EntryType.NOOP, null), new Entry(2, 1, EntryType.COMMAND, new byte[] {2}),
                new Entry(3, 2, EntryType.COMMAND, new byte[] {3}), new Entry(4, 2, EntryType.COMMAND, new byte[] {4})));
        assertTrue(log.installSnapshot(2, 1, Configuration.ofVoters("a")));
        assertEquals(2, log.snapshotIndex());
        assertEquals(3, log.firstIndex());
        assertEquals(4, log.lastIndex());
        assertEquals(2, log.term(4));
        assertEquals(Configuration.ofVoters("a"), log.latestConfiguration());
    }

    // §7: otherwise (the log lacks it, or holds another term there) the whole log is discarded.
    @Test
    void installSnapshotDiscardsAConflictingLog() {
        RaftLog log = new RaftLog(0, 0, Configuration.EMPTY, List.of(
                new Entry(1, 1, EntryType.NOOP, null), new Entry(2, 1, EntryType.COMMAND, new byte[] {2})));
        assertFalse(log.installSnapshot(2, 3, Configuration.ofVoters("a")), "term differs at index 2");
        assertEquals(2, log.snapshotIndex());
        assertEquals(3, log.snapshotTerm());
        assertEquals(2, log.lastIndex());
        assertEquals(2, log.stableIndex(), "the snapshot is durable");
        RaftLog shorter = new RaftLog(0, 0, Configuration.EMPTY, List.of(new Entry(1, 1, EntryType.NOOP, null)));
        assertFalse(shorter.installSnapshot(5, 2, Configuration.ofVoters("a")), "log too short");
        assertEquals(5, shorter.lastIndex());
    }

    // §7: compaction drops covered entries and keeps their last term and configuration as the log's base.
    @Test
    void compactToKeepsTermAndConfigurationOfTheBase() {
        byte[] conf = ConfigurationCodec.encode(Configuration.ofVoters("x", "y"));
        RaftLog log = new RaftLog(0, 0, Configuration.EMPTY, List.of(
                new Entry(1, 1, EntryType.CONFIGURATION, conf), new Entry(2, 1, EntryType.NOOP, null),
                new Entry(3, 2, EntryType.NOOP, null)));
        log.compactTo(2);
        assertEquals(2, log.snapshotIndex());
        assertEquals(1, log.snapshotTerm());
        assertEquals(Configuration.ofVoters("x", "y"), log.latestConfiguration());
        assertEquals(1, log.term(2));
        assertEquals(-1, log.term(1), "compacted");
        assertEquals(3, log.lastIndex());
    }
}
