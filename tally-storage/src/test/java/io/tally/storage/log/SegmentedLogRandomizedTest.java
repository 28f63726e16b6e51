package io.tally.storage.log;

import io.tally.raft.model.Entry;
import io.tally.storage.fs.NioFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random histories of appends and truncations, then a crash that either tears the unsynced tail (every synced
 * entry must survive) or corrupts random bytes (the store must refuse to start or return only entries
 * byte-identical to those written). Seed: printed; {@code -Dtally.test.seed=N} replays one;
 * {@code -Dtally.test.cases=N} changes the number of cases (default 600).
 */
class SegmentedLogRandomizedTest {

    @TempDir
    Path tmp;

    /** The written entries by index, and the logical bounds. */
    private static final class Model {
        final TreeMap<Long, Entry> entries = new TreeMap<>();
        long first = 1;
        long last;

        Model copy() {
            Model m = new Model();
            m.entries.putAll(entries);
            m.first = first;
            m.last = last;
            return m;
        }

        boolean isEmpty() {
            return last < first;
        }
    }

    private int tears;
    private int tornAway;
    private int corruptions;
    private int refused;
    private int acceptedAfterCorruption;

    @Test
    void randomHistoriesThenCrashOrCorruption() throws Exception {
        long seed = LogTestSupport.seed();
        int cases = Integer.getInteger("tally.test.cases", 600);
        System.out.println("SegmentedLogRandomizedTest seed=" + seed + " cases=" + cases
                + " (replay with -Dtally.test.seed=" + seed + ")");
        SplittableRandom seeds = new SplittableRandom(seed);
        long startNanos = System.nanoTime();
        for (int c = 0; c < cases; c++) {
            long caseSeed = seeds.nextLong();
            try {
                runCase(tmp.resolve("case-" + c), new SplittableRandom(caseSeed));
            } catch (Throwable t) {
                throw new AssertionError("case " + c + " failed (seed " + seed + ", case seed " + caseSeed + "): " + t, t);
            }
        }
        System.out.printf("SegmentedLogRandomizedTest: %d cases in %.1f s: %d tears (%d lost unsynced entries), "
                        + "%d corruptions (%d refused, %d opened with only correct entries)%n",
                cases, (System.nanoTime() - startNanos) / 1e9, tears, tornAway, corruptions, refused, acceptedAfterCorruption);
        if (cases >= 100) {
            assertTrue(refused > 0 && acceptedAfterCorruption > 0 && tornAway > 0, "every outcome occurred");
        }
    }

    private void runCase(Path dir, SplittableRandom r) throws IOException {
        SegmentedLogOptions options = new SegmentedLogOptions(4096 + r.nextInt(3) * 4096);
        Model model = new Model();
        long term = 1;
        Model synced;
        long syncedEnd;
        Path syncedLastSegment;
        try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, options)) {
            int steps = 1 + r.nextInt(6);
            for (int s = 0; s < steps; s++) {
                int op = r.nextInt(10);
                if (op < 7 || model.isEmpty()) {
                    long from = model.isEmpty() && r.nextInt(4) == 0 ? 1 + r.nextInt(1000) : model.last + 1;
                    List<Entry> batch = randomBatch(r, from, term);
                    log.append(batch);
                    apply(model, batch);
                } else if (op < 9) {
                    long from = model.first + r.nextLong(model.last - model.first + 2);
                    log.truncateSuffix(from);
                    if (from <= model.last) {
                        model.entries.tailMap(from, true).clear();
                        model.last = Math.max(from, model.first) - 1;
                    }
                    term++;
                } else {
                    long upTo = model.first - 1 + r.nextLong(model.last - model.first + 3);
                    log.truncatePrefix(upTo);
                    if (upTo >= model.first) {
                        model.entries.headMap(upTo, true).clear();
                        model.first = upTo + 1;
                        model.last = Math.max(model.last, upTo);
                    }
                }
                assertEquals(model.first, log.firstIndex());
                assertEquals(model.last, log.lastIndex());
                if (r.nextInt(3) > 0 || s == steps - 1) {
                    log.sync();
                }
            }
            synced = model.copy();
            List<Path> paths = log.segmentPaths();
            syncedLastSegment = paths.isEmpty() ? null : paths.get(paths.size() - 1);
            syncedEnd = log.activeSegmentEnd();
            // Unsynced appends: what a crash may tear.
            int unsynced = r.nextInt(4);
            for (int u = 0; u < unsynced; u++) {
                List<Entry> batch = randomBatch(r, model.last + 1, term);
                log.append(batch);
                apply(model, batch);
            }
            assertEntries(model, log);
        }
        if (r.nextBoolean()) {
            tear(dir, r, syncedLastSegment, syncedEnd);
            tears++;
            try (SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, options)) {
                if (!synced.isEmpty()) {
                    assertEquals(synced.first, log.firstIndex(), "first index");
                }
                assertTrue(log.lastIndex() >= synced.last, "lost synced entries: last " + log.lastIndex() + " < " + synced.last);
                assertEntries(model, log);
                tornAway += (int) (model.last - log.lastIndex());
                appendAndReopen(dir, options, log, r, term);
            }
        } else {
            corrupt(dir, r);
            corruptions++;
            SegmentedLogStore log;
            try {
                log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, options);
            } catch (LogCorruptionException e) {
                refused++;
                assertTrue(e.getMessage().contains("refusing to start"), e.getMessage());
                return;
            }
            try (log) {
                acceptedAfterCorruption++;
                assertEntries(model, log);
                appendAndReopen(dir, options, log, r, term);
            }
        }
    }

    /** Every entry the store holds is the one written at that index. */
    private static void assertEntries(Model model, SegmentedLogStore log) throws IOException {
        if (log.lastIndex() < log.firstIndex()) {
            return;
        }
        List<Entry> got = log.read(log.firstIndex(), log.lastIndex() + 1);
        for (Entry e : got) {
            Entry want = model.entries.get(e.index());
            if (!e.equals(want)) {
                fail("entry " + e.index() + " is " + e + " but " + want + " was written");
            }
        }
    }

    /** The recovered store stays usable: an append survives a clean restart. */
    private static void appendAndReopen(Path dir, SegmentedLogOptions options, SegmentedLogStore log, SplittableRandom r,
                                        long term) throws IOException {
        List<Entry> batch = randomBatch(r, log.lastIndex() + 1, term + 1);
        log.append(batch);
        log.sync();
        long first = log.firstIndex();
        long last = log.lastIndex();
        log.close();
        try (SegmentedLogStore again = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir, options)) {
            assertEquals(first, again.firstIndex());
            assertEquals(last, again.lastIndex());
            LogTestSupport.assertEntries(batch, again.read(batch.get(0).index(), last + 1));
        }
    }

    private static List<Entry> randomBatch(SplittableRandom r, long from, long term) {
        int n = 1 + r.nextInt(r.nextInt(8) == 0 ? 40 : 8);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = r.nextInt(50) == 0 ? 4000 + r.nextInt(8000) : r.nextInt(r.nextBoolean() ? 20 : 400);
            out.add(LogTestSupport.entry(from + i, term, len));
        }
        return out;
    }

    private static void apply(Model model, List<Entry> batch) {
        if (model.isEmpty()) {
            model.first = batch.get(0).index();
        }
        for (Entry e : batch) {
            model.entries.put(e.index(), e);
        }
        model.last = batch.get(batch.size() - 1).index();
    }

    /** Cuts the last segment at a random offset beyond its last synced byte (shortening it or zeroing the rest). */
    private static void tear(Path dir, SplittableRandom r, Path syncedLastSegment, long syncedEnd) throws IOException {
        List<Path> segs = segments(dir);
        if (segs.isEmpty()) {
            return;
        }
        Path last = segs.get(segs.size() - 1);
        long size = Files.size(last);
        // A segment created after the last sync had only its header forced (at creation); anything in it may go.
        long floor = last.equals(syncedLastSegment) ? syncedEnd : 0;
        long cut = floor + r.nextLong(size - floor + 1);
        if (r.nextBoolean()) {
            LogTestSupport.setLength(last, cut);
        } else {
            LogTestSupport.zero(last, cut, size);
        }
    }

    /**
     * Damages 1-3 random bytes of random files: mostly within or just after the data, sometimes anywhere, and
     * sometimes right at the end of the last segment's data (where damage can pass for a torn write).
     */
    private static void corrupt(Path dir, SplittableRandom r) throws IOException {
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        if (files.isEmpty()) {
            return;
        }
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            Path f = files.get(r.nextInt(files.size()));
            long size = Files.size(f);
            if (size == 0) {
                continue;
            }
            long pos;
            List<Path> segs = segments(dir);
            if (r.nextInt(5) == 0 && !segs.isEmpty()) {
                // Around the end of the last segment's data: the last trailer and the length word after it.
                f = segs.get(segs.size() - 1);
                size = Files.size(f);
                pos = Math.min(size - 1, LogTestSupport.lastNonZero(f) + r.nextInt(9));
            } else {
                long range = r.nextInt(4) == 0 ? size : Math.min(size, LogTestSupport.lastNonZero(f) + 16);
                pos = r.nextLong(Math.max(1, range));
            }
            if (r.nextBoolean()) {
                LogTestSupport.flipBit(f, pos, r.nextInt(8));
            } else {
                LogTestSupport.writeByte(f, pos, r.nextInt(256));
            }
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }
}
