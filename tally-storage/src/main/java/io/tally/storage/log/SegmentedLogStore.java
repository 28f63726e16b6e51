package io.tally.storage.log;

import io.tally.raft.model.Entry;
import io.tally.raft.storage.LogStore;
import io.tally.storage.fs.StorageFile;
import io.tally.storage.fs.StorageFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link LogStore} on segment files: an append-only sequence of CRC-protected records split into files of
 * {@link SegmentedLogOptions#segmentSize()} bytes, named after the index of their first entry. The byte
 * layout, the recovery rules and their reasoning are in docs/storage.md ("Log segments") and
 * {@link LogFormat}. Every file access goes through {@link StorageFileSystem}, so the same code runs on the
 * real disk and on a simulated one that loses or tears unsynced writes.
 *
 * <p><b>Durability.</b> {@link #append} writes without forcing (except that a segment that fills up is forced
 * before the next one is created); {@link #sync()} forces every segment written since the previous sync and
 * syncs the directory if names changed, so one sync per batch gives group commit. Truncations are made
 * crash-atomic at the time of the call (they cost a few fsyncs, but they are rare): {@link #truncatePrefix}
 * first makes the new first index durable in the {@code first-index} file, and {@link #truncateSuffix} first
 * makes a {@code truncate-intent} file durable that recovery replays until the next sync has made the
 * truncation itself durable.
 *
 * <p><b>Failures.</b> Any exception while changing files marks the store failed: every later call throws
 * "log store failed earlier". A failed fsync is never retried (the kernel may have dropped the dirty pages
 * while reporting the error once). The in-memory index is updated only after a write succeeded, so a read
 * never returns a record whose write failed. Corrupt files found at startup (or by a read) raise
 * {@link LogCorruptionException}.
 *
 * <p><b>Threads.</b> Designed for one thread at a time (the node's log writer, or the node while it starts),
 * as the {@link LogStore} contract says. Public methods are nevertheless synchronized, so a concurrent read
 * (say, by a test or a diagnostic tool) sees a consistent state; it waits while a write or sync runs.
 */
public final class SegmentedLogStore implements LogStore {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentedLogStore.class);

    static final String FIRST_INDEX_FILE = "first-index";
    static final String INTENT_FILE = "truncate-intent";
    static final String TMP_SUFFIX = ".tmp";
    private static final int IO_CHUNK = 1 << 20;
    private static final int ZERO_CHUNK = 64 << 10;
    private static final int READ_CHUNK = 8 << 20;
    /** Never written to. */
    private static final byte[] ZEROS = new byte[ZERO_CHUNK];

    private final StorageFileSystem fs;
    private final Path dir;
    private final SegmentedLogOptions options;
    private final List<Segment> segments = new ArrayList<>();
    /** Logical bounds; lastIndex = firstIndex - 1 when empty. When empty there are no segments. */
    private long firstIndex = 1;
    private long lastIndex;
    /** Value stored in the first-index file, 0 if there is none. */
    private long persistedFirst;
    /** A deletion is not yet durable (needs a directory sync). */
    private boolean dirDirty;
    /** A truncate-intent file is durable and must be removed by the next sync. */
    private boolean intentPending;
    private long intentSegment;
    private long intentOffset;
    private ByteBuffer scratch = ByteBuffer.allocate(0);
    private Throwable failure;
    private boolean closed;

    private SegmentedLogStore(StorageFileSystem fs, Path dir, SegmentedLogOptions options) {
        this.fs = fs;
        this.dir = dir;
        this.options = options;
    }

    /**
     * Opens the log in {@code dir}, creating the directory (and its missing parents, each made durable) if
     * needed, and recovers its segments: a torn
     * tail left by a crash is zeroed; anything else that fails a check raises {@link LogCorruptionException}.
     */
    public static SegmentedLogStore open(StorageFileSystem fs, Path dir, SegmentedLogOptions options) throws IOException {
        Objects.requireNonNull(fs, "fs");
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        fs.createDirectoriesDurably(dir);
        SegmentedLogStore store = new SegmentedLogStore(fs, dir, options);
        try {
            store.recover();
        } catch (IOException | RuntimeException | Error e) {
            store.closeFiles(e);
            throw e;
        }
        return store;
    }

    // ---------------------------------------------------------------------------------------------------
    // LogStore

    @Override
    public synchronized long firstIndex() {
        return firstIndex;
    }

    @Override
    public synchronized long lastIndex() {
        return lastIndex;
    }

    @Override
    public synchronized List<Entry> read(long from, long toExclusive) throws IOException {
        ensureUsable();
        if (from > toExclusive || from < firstIndex || toExclusive > lastIndex + 1) {
            throw new IllegalArgumentException("cannot read [" + from + ", " + toExclusive + "): store holds ["
                    + firstIndex + ", " + lastIndex + "]");
        }
        List<Entry> out = new ArrayList<>(Math.toIntExact(toExclusive - from));
        long index = from;
        while (index < toExclusive) {
            Segment seg = segments.get(segmentFor(index));
            int i = (int) (index - seg.firstIndex);
            int stop = (int) (Math.min(toExclusive, seg.lastIndex() + 1) - seg.firstIndex);
            while (i < stop) {
                // One positioned read for as many consecutive records as fit in READ_CHUNK (at least one).
                long start = seg.offset(i);
                int j = i + 1;
                while (j < stop && seg.endOf(j) - start <= READ_CHUNK) {
                    j++;
                }
                long end = seg.endOf(j - 1);
                byte[] buf = new byte[Math.toIntExact(end - start)];
                seg.file.readFully(ByteBuffer.wrap(buf), start);
                for (int k = i; k < j; k++) {
                    out.add(decodeForRead(seg, k, buf, (int) (seg.offset(k) - start)));
                }
                i = j;
            }
            index = seg.firstIndex + stop;
        }
        return out;
    }

    @Override
    public synchronized void append(List<Entry> entries) throws IOException {
        Objects.requireNonNull(entries, "entries");
        ensureUsable();
        if (entries.isEmpty()) {
            return;
        }
        long expected = isEmpty() ? entries.get(0).index() : lastIndex + 1;
        for (Entry e : entries) {
            Objects.requireNonNull(e, "entry");
            if (e.index() != expected) {
                throw new IllegalArgumentException("append must be contiguous from index " + expected
                        + " (store holds [" + firstIndex + ", " + lastIndex + "]) but got entry " + e.index());
            }
            if (e.data().length > LogFormat.MAX_DATA) {
                throw new IllegalArgumentException("entry " + e.index() + " is too large: " + e.data().length + " bytes");
            }
            expected++;
        }
        try {
            doAppend(entries);
        } catch (IOException | RuntimeException | Error e) {
            throw fail(e);
        }
    }

    /**
     * Removes every entry with index >= {@code fromIndex}. Beyond the last entry it is a no-op; at or below
     * firstIndex it empties the store without changing firstIndex.
     */
    @Override
    public synchronized void truncateSuffix(long fromIndex) throws IOException {
        if (fromIndex < 1) {
            throw new IllegalArgumentException("truncateSuffix index must be >= 1, was " + fromIndex);
        }
        ensureUsable();
        if (fromIndex > lastIndex) {
            return;
        }
        try {
            doTruncateSuffix(fromIndex);
        } catch (IOException | RuntimeException | Error e) {
            throw fail(e);
        }
    }

    /**
     * Removes every entry with index &lt;= {@code upToIndex}. Below firstIndex it is a no-op; at or beyond
     * lastIndex it leaves an empty store whose firstIndex is {@code upToIndex + 1}. Durable on return.
     */
    @Override
    public synchronized void truncatePrefix(long upToIndex) throws IOException {
        if (upToIndex < 0) {
            throw new IllegalArgumentException("truncatePrefix index must be >= 0, was " + upToIndex);
        }
        ensureUsable();
        if (upToIndex < firstIndex) {
            return;
        }
        try {
            doTruncatePrefix(upToIndex);
        } catch (IOException | RuntimeException | Error e) {
            throw fail(e);
        }
    }

    @Override
    public synchronized void sync() throws IOException {
        ensureUsable();
        try {
            for (Segment seg : segments) {
                if (seg.dirty) {
                    seg.file.force();
                    seg.dirty = false;
                }
            }
            if (intentPending) {
                // Only now, with the truncation's zeros durable, may recovery stop replaying it.
                fs.delete(dir.resolve(INTENT_FILE));
                intentPending = false;
                dirDirty = true;
            }
            if (dirDirty) {
                fs.syncDirectory(dir);
                dirDirty = false;
            }
        } catch (IOException | RuntimeException | Error e) {
            throw fail(e);
        }
    }

    /** Closes the files. Unsynced writes are not forced. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException error = closeFiles(null);
        if (error != null) {
            throw error;
        }
    }

    @Override
    public synchronized String toString() {
        return "SegmentedLogStore{" + dir + " [" + firstIndex + ", " + lastIndex + "], " + segments.size() + " segments"
                + (failure != null ? ", FAILED" : "") + (closed ? ", closed" : "") + "}";
    }

    // ---------------------------------------------------------------------------------------------------
    // For tests in this package

    synchronized List<Path> segmentPaths() {
        List<Path> paths = new ArrayList<>();
        for (Segment s : segments) {
            paths.add(s.path);
        }
        return paths;
    }

    /** Offset just past the last record of the last segment (the header size if it holds none); -1 if none. */
    synchronized long activeSegmentEnd() {
        return segments.isEmpty() ? -1 : segments.get(segments.size() - 1).end;
    }

    // ---------------------------------------------------------------------------------------------------
    // Mutations (called with the store usable; any exception they throw marks it failed)

    private void doAppend(List<Entry> entries) throws IOException {
        long first = entries.get(0).index();
        if (isEmpty()) {
            // No segments exist. Deletions that emptied the store must be durable before a new segment
            // appears, and the first-index file must not hide the new entries after a restart.
            syncDirectoryIfDirty();
            if (persistedFirst > first) {
                writeFirstIndexFile(first);
            }
        }
        Segment seg = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        int n = entries.size();
        int i = 0;
        while (i < n) {
            int size = LogFormat.recordSize(entries.get(i));
            if (seg == null || seg.end + size > seg.capacity) {
                if (seg != null && seg.count() == 0) {
                    // An empty segment too small for the record (a file cut short by a crash): the new one
                    // takes its name.
                    deleteSegments(segments.size() - 1, segments.size());
                } else if (seg != null && seg.dirty) {
                    // A full segment is made durable before its successor exists: recovery treats data
                    // missing from the end of any segment but the last as corruption.
                    seg.file.force();
                    seg.dirty = false;
                }
                seg = createSegment(entries.get(i).index(), Math.max(options.segmentSize(), LogFormat.HEADER_SIZE + (long) size));
            }
            long room = seg.capacity - seg.end;
            long total = 0;
            int j = i;
            while (j < n) {
                int s = LogFormat.recordSize(entries.get(j));
                if (total + s > room) {
                    break;
                }
                total += s;
                j++;
            }
            ByteBuffer buf = scratch(Math.toIntExact(total));
            long[] offsets = new long[j - i];
            for (int k = i; k < j; k++) {
                offsets[k - i] = seg.end + buf.position();
                LogFormat.encode(entries.get(k), buf);
            }
            buf.flip();
            seg.file.write(buf, seg.end);
            // Only a completely written batch becomes visible.
            for (long off : offsets) {
                seg.add(off);
            }
            seg.end += total;
            seg.dirty = true;
            if (isEmpty()) {
                firstIndex = first;
            }
            lastIndex = entries.get(j - 1).index();
            i = j;
        }
        if (scratch.capacity() > 2 * options.segmentSize()) {
            scratch = ByteBuffer.allocate(0); // do not keep a huge one-off buffer
        }
    }

    private void doTruncateSuffix(long from) throws IOException {
        boolean toEmpty = from <= firstIndex;
        Segment keep;
        int keepCount;
        if (toEmpty) {
            keep = null;
            keepCount = 0;
            if (persistedFirst < firstIndex) {
                // An empty store keeps its firstIndex across a restart only through the file.
                writeFirstIndexFile(firstIndex);
            }
        } else {
            int si = segmentFor(from);
            Segment s = segments.get(si);
            if (from == s.firstIndex) {
                keep = segments.get(si - 1); // exists: from > firstIndex >= first segment's firstIndex
                keepCount = keep.count();
            } else {
                keep = s;
                keepCount = (int) (from - s.firstIndex);
            }
        }
        long zeroFrom = keep == null ? 0 : (keepCount < keep.count() ? keep.offset(keepCount) : keep.end);
        writeIntent(keep == null ? 0 : keep.firstIndex, zeroFrom);
        if (keep != null && zeroFrom < keep.end) {
            writeZeros(keep.file, zeroFrom, keep.end);
            keep.truncate(keepCount);
            keep.dirty = true;
        }
        deleteSegments(keep == null ? 0 : segments.indexOf(keep) + 1, segments.size());
        lastIndex = toEmpty ? firstIndex - 1 : from - 1;
    }

    private void doTruncatePrefix(long upTo) throws IOException {
        long newFirst = upTo + 1;
        writeFirstIndexFile(newFirst);
        if (upTo >= lastIndex) {
            deleteSegments(0, segments.size());
            lastIndex = upTo;
        } else {
            int k = 0;
            while (k < segments.size() - 1 && segments.get(k).lastIndex() <= upTo) {
                k++;
            }
            deleteSegments(0, k);
        }
        firstIndex = newFirst;
    }

    private Segment createSegment(long first, long capacity) throws IOException {
        syncDirectoryIfDirty(); // pending deletions become durable before the new name can
        Path path = dir.resolve(LogFormat.segmentName(first));
        StorageFile file = fs.open(path, true);
        try {
            if (file.size() > 0) {
                file.truncate(0);
            }
            file.write(ByteBuffer.wrap(LogFormat.header(first)), 0);
            file.write(ByteBuffer.wrap(new byte[1]), capacity - 1);
            file.force();
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(file, e);
            throw e;
        }
        Segment seg = new Segment(first, path, file, capacity);
        segments.add(seg);
        fs.syncDirectory(dir);
        return seg;
    }

    /** Deletes segments [from, to) of the list, last first. Durable after the next directory sync. */
    private void deleteSegments(int from, int to) throws IOException {
        for (int i = to - 1; i >= from; i--) {
            Segment seg = segments.remove(i);
            seg.file.close();
            fs.delete(seg.path);
            dirDirty = true;
        }
    }

    private void writeIntent(long segmentFirst, long offset) throws IOException {
        if (intentPending && (intentSegment < segmentFirst || (intentSegment == segmentFirst && intentOffset <= offset))) {
            return; // the pending intent truncates at least as much
        }
        writeSmallFile(INTENT_FILE, segmentFirst, offset);
        intentPending = true;
        intentSegment = segmentFirst;
        intentOffset = offset;
    }

    private void writeFirstIndexFile(long value) throws IOException {
        writeSmallFile(FIRST_INDEX_FILE, value);
        persistedFirst = value;
    }

    /** Writes values + CRC32C to a temporary file, forces it, renames it over {@code name}, syncs the directory. */
    private void writeSmallFile(String name, long... values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        b.putInt((int) LogFormat.crc(b.array(), 0, values.length * 8));
        b.flip();
        Path tmp = dir.resolve(name + TMP_SUFFIX);
        StorageFile f = fs.open(tmp, true);
        try {
            f.truncate(0);
            f.write(b, 0);
            f.force();
        } finally {
            f.close();
        }
        fs.rename(tmp, dir.resolve(name));
        fs.syncDirectory(dir);
        dirDirty = false; // the sync also covered every earlier deletion
    }

    private void syncDirectoryIfDirty() throws IOException {
        if (dirDirty) {
            fs.syncDirectory(dir);
            dirDirty = false;
        }
    }

    private ByteBuffer scratch(int size) {
        if (scratch.capacity() < size) {
            scratch = ByteBuffer.allocate(Math.max(size, Math.min(2 * scratch.capacity(), Integer.MAX_VALUE - 64)));
        }
        scratch.clear().limit(size);
        return scratch.order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---------------------------------------------------------------------------------------------------
    // Recovery

    private void recover() throws IOException {
        List<String> names = fs.list(dir);
        boolean dirChanged = false;
        for (String tmp : List.of(FIRST_INDEX_FILE + TMP_SUFFIX, INTENT_FILE + TMP_SUFFIX)) {
            if (names.contains(tmp)) {
                fs.delete(dir.resolve(tmp)); // an interrupted rewrite; the old file (if any) is intact
                dirChanged = true;
            }
        }
        if (names.contains(FIRST_INDEX_FILE)) {
            persistedFirst = readSmallFile(FIRST_INDEX_FILE, 1)[0];
            if (persistedFirst < 1) {
                throw new LogCorruptionException("first-index file", dir.resolve(FIRST_INDEX_FILE), 0, -1,
                        "first index " + persistedFirst + " is not positive; refusing to start");
            }
        }
        List<Long> indexes = new ArrayList<>();
        for (String name : names) {
            long idx = LogFormat.parseSegmentName(name);
            if (idx >= 0) {
                indexes.add(idx);
            }
        }
        indexes.sort(null);

        if (names.contains(INTENT_FILE)) {
            long[] intent = readSmallFile(INTENT_FILE, 2);
            replayIntent(indexes, intent[0], intent[1]);
            dirChanged = true;
        }
        // Segments holding only entries below the durable first index are left over from an interrupted
        // truncatePrefix (the first-index file is written before any deletion): drop them unchecked.
        while (indexes.size() > 1 && indexes.get(1) <= persistedFirst) {
            fs.delete(dir.resolve(LogFormat.segmentName(indexes.remove(0))));
            dirChanged = true;
        }
        if (dirChanged) {
            fs.syncDirectory(dir);
        }

        for (int i = 0; i < indexes.size(); i++) {
            if (!openSegment(indexes.get(i), i == indexes.size() - 1)) {
                break;
            }
        }

        if (segments.isEmpty()) {
            firstIndex = Math.max(persistedFirst, 1);
            lastIndex = firstIndex - 1;
            return;
        }
        long first = Math.max(persistedFirst, segments.get(0).firstIndex);
        long last = segments.get(segments.size() - 1).lastIndex();
        if (last < first) {
            // Nothing at or above the first index: an empty store has no segments.
            deleteSegments(0, segments.size());
            fs.syncDirectory(dir);
            dirDirty = false;
            firstIndex = Math.max(persistedFirst, 1);
            lastIndex = firstIndex - 1;
        } else {
            firstIndex = first;
            lastIndex = last;
        }
        LOG.debug("recovered log {}: entries [{}, {}] in {} segments", dir, firstIndex, lastIndex, segments.size());
    }

    /** Completes a truncateSuffix that a crash interrupted: drops later segments and zeroes the tail. */
    private void replayIntent(List<Long> indexes, long segmentFirst, long offset) throws IOException {
        Path intentPath = dir.resolve(INTENT_FILE);
        if (segmentFirst > 0 && offset < LogFormat.HEADER_SIZE) {
            throw new LogCorruptionException("truncate-intent file", intentPath, 0, -1,
                    "offset " + offset + " lies inside the segment header; refusing to start");
        }
        LOG.info("log {}: completing a truncation interrupted by a crash (segment {}, offset {})", dir, segmentFirst, offset);
        for (int i = indexes.size() - 1; i >= 0 && indexes.get(i) > segmentFirst; i--) {
            fs.delete(dir.resolve(LogFormat.segmentName(indexes.remove(i))));
        }
        if (segmentFirst > 0 && indexes.contains(segmentFirst)) {
            StorageFile f = fs.open(dir.resolve(LogFormat.segmentName(segmentFirst)), false);
            try {
                long last = lastNonZero(f, offset, f.size());
                if (last >= offset) {
                    writeZeros(f, offset, last + 1);
                    f.force();
                }
            } finally {
                f.close();
            }
        }
        fs.syncDirectory(dir);
        fs.delete(intentPath);
    }

    /**
     * Opens, checks and indexes one segment. Returns false if it was the remains of a segment whose creation
     * a crash interrupted (deleted).
     */
    private boolean openSegment(long first, boolean last) throws IOException {
        Path path = dir.resolve(LogFormat.segmentName(first));
        StorageFile file = fs.open(path, false);
        Segment seg;
        try {
            long size = file.size();
            byte[] header = new byte[LogFormat.HEADER_SIZE];
            readZeroPadded(file, size, header, 0, header.length, 0);
            String bad = LogFormat.checkHeader(header, first);
            if (bad != null) {
                if (last && LogFormat.isTornHeader(header, first) && lastNonZero(file, LogFormat.HEADER_SIZE, size) < 0) {
                    // Created but never forced (the creation forces before any record is written).
                    LOG.warn("log {}: removing {}, a segment whose creation was interrupted by a crash", dir, path.getFileName());
                    file.close();
                    fs.delete(path);
                    fs.syncDirectory(dir);
                    return false;
                }
                throw new LogCorruptionException("log segment header", path, 0, first, bad + "; refusing to start");
            }
            if (!segments.isEmpty()) {
                Segment prev = segments.get(segments.size() - 1);
                if (first != prev.lastIndex() + 1) {
                    throw new LogCorruptionException("log record", prev.path, prev.end, prev.lastIndex() + 1,
                            "segment data ends after entry " + prev.lastIndex() + " but the next segment "
                                    + path.getFileName() + " starts at entry " + first + "; refusing to start");
                }
            }
            seg = new Segment(first, path, file, Math.max(size, LogFormat.HEADER_SIZE));
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(file, e);
            throw e;
        }
        segments.add(seg); // closed by open() if the scan fails
        scanRecords(seg, file.size(), last);
        return true;
    }

    private void scanRecords(Segment seg, long size, boolean last) throws IOException {
        Window w = new Window(seg.file, size);
        long x = LogFormat.HEADER_SIZE;
        long expected = seg.firstIndex;
        while (true) {
            int off = w.load(x, 8);
            int len = LogFormat.getInt(w.buf, off);
            int complement = LogFormat.getInt(w.buf, off + 4);
            String reason;
            long tornLimit; // the record is torn iff no byte at or after this offset is non-zero
            if (!LogFormat.pairValid(len, complement)) {
                reason = LogFormat.describeBadPair(len, complement);
                tornLimit = x + 8;
            } else {
                long full = (len & 0xFFFFFFFFL) + LogFormat.RECORD_OVERHEAD;
                tornLimit = x + full - 1; // the trailer byte: a complete record always has it non-zero
                if (x + full > size) {
                    reason = "record of " + full + " bytes extends beyond the end of the file (" + size + " bytes)";
                } else {
                    off = w.load(x, (int) full);
                    reason = LogFormat.checkRecord(w.buf, off, len, expected);
                    if (reason == null) {
                        seg.add(x);
                        expected++;
                        x += full;
                        continue;
                    }
                }
            }
            long lastNonZero = lastNonZero(seg.file, x, size);
            if (lastNonZero < x) {
                break; // only zeros from x on: the end of the data
            }
            if (last && lastNonZero < tornLimit) {
                LOG.warn("log {}: discarding a torn record at offset {} of {} (entry {}: {}), left by a crash",
                        dir, x, seg.path.getFileName(), expected, reason);
                writeZeros(seg.file, x, lastNonZero + 1);
                seg.file.force();
                break;
            }
            throw new LogCorruptionException("log record", seg.path, x, expected, reason + "; refusing to start");
        }
        seg.end = x;
    }

    /** Offset of the last non-zero byte in [from, size) of the file, or -1 if there is none. */
    private static long lastNonZero(StorageFile file, long from, long size) throws IOException {
        byte[] buf = new byte[(int) Math.min(IO_CHUNK, Math.max(0, size - from))];
        long hi = size;
        while (hi > from) {
            long lo = Math.max(from, hi - buf.length);
            int n = (int) (hi - lo);
            readZeroPadded(file, size, buf, 0, n, lo);
            for (int k = n - 1; k >= 0; k--) {
                if (buf[k] != 0) {
                    return lo + k;
                }
            }
            hi = lo;
        }
        return -1;
    }

    /** Reads {@code n} bytes at {@code pos} into {@code dst[off..]}; bytes at or beyond {@code size} read as zero. */
    private static void readZeroPadded(StorageFile file, long size, byte[] dst, int off, int n, long pos) throws IOException {
        int avail = (int) Math.max(0, Math.min(n, size - pos));
        ByteBuffer b = ByteBuffer.wrap(dst, off, avail);
        long p = pos;
        while (b.hasRemaining()) {
            int r = file.read(b, p);
            if (r < 0) {
                break; // shorter than it said: the rest reads as zeros
            }
            p += r;
        }
        java.util.Arrays.fill(dst, b.position(), off + n, (byte) 0);
    }

    private static void writeZeros(StorageFile file, long from, long to) throws IOException {
        long pos = from;
        while (pos < to) {
            int n = (int) Math.min(ZERO_CHUNK, to - pos);
            file.write(ByteBuffer.wrap(ZEROS, 0, n), pos);
            pos += n;
        }
    }

    /** A sliding read buffer over a file for the recovery scan. */
    private static final class Window {
        final StorageFile file;
        final long size;
        byte[] buf = new byte[IO_CHUNK];
        long start = -1;
        int length;

        Window(StorageFile file, long size) {
            this.file = file;
            this.size = size;
        }

        /** Makes bytes [pos, pos + n) available at buf[returned offset ...]. */
        int load(long pos, int n) throws IOException {
            if (start >= 0 && pos >= start && pos + n <= start + length) {
                return (int) (pos - start);
            }
            if (buf.length < n) {
                buf = new byte[n];
            }
            int want = (int) Math.max(n, Math.min(buf.length, Math.max(0, size - pos)));
            readZeroPadded(file, size, buf, 0, want, pos);
            start = pos;
            length = want;
            return 0;
        }
    }

    private long[] readSmallFile(String name, int count) throws IOException {
        Path path = dir.resolve(name);
        StorageFile f = fs.open(path, false);
        try {
            long size = f.size();
            int expectedSize = count * 8 + 4;
            if (size != expectedSize) {
                throw new LogCorruptionException(name + " file", path, 0, -1,
                        "size " + size + " instead of " + expectedSize + " bytes; refusing to start");
            }
            byte[] b = new byte[expectedSize];
            f.readFully(ByteBuffer.wrap(b), 0);
            if (LogFormat.getInt(b, count * 8) != (int) LogFormat.crc(b, 0, count * 8)) {
                throw new LogCorruptionException(name + " file", path, 0, -1, "CRC mismatch; refusing to start");
            }
            long[] values = new long[count];
            for (int i = 0; i < count; i++) {
                values[i] = LogFormat.getLong(b, i * 8);
            }
            return values;
        } finally {
            f.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    private Entry decodeForRead(Segment seg, int i, byte[] buf, int off) throws LogCorruptionException {
        long index = seg.firstIndex + i;
        long offset = seg.offset(i);
        int len = LogFormat.getInt(buf, off);
        int complement = LogFormat.getInt(buf, off + 4);
        String reason;
        if (!LogFormat.pairValid(len, complement)) {
            reason = LogFormat.describeBadPair(len, complement);
        } else if (len + (long) LogFormat.RECORD_OVERHEAD != seg.endOf(i) - offset) {
            reason = "record length " + len + " does not match the index";
        } else {
            reason = LogFormat.checkRecord(buf, off, len, index);
        }
        if (reason != null) {
            throw new LogCorruptionException("log record", seg.path, offset, index, reason + " on read");
        }
        return LogFormat.decode(buf, off, len);
    }

    /** Position in {@link #segments} of the segment holding {@code index} (which must be stored). */
    private int segmentFor(long index) {
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).firstIndex <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private boolean isEmpty() {
        return lastIndex < firstIndex;
    }

    private void ensureUsable() throws IOException {
        if (closed) {
            throw new IOException("log store " + dir + " is closed");
        }
        if (failure != null) {
            throw new IOException("log store failed earlier: " + failure + "; the node must restart", failure);
        }
    }

    private IOException fail(Throwable t) throws IOException {
        failure = t;
        LOG.error("log store {} failed; it refuses every further call", dir, t);
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        throw (Error) t;
    }

    /** Closes every segment file; returns the first error (or adds it to {@code primary}). */
    private IOException closeFiles(Throwable primary) {
        IOException first = null;
        for (Segment seg : segments) {
            try {
                seg.file.close();
            } catch (IOException e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                }
            }
        }
        segments.clear();
        return first;
    }

    private static void closeQuietly(StorageFile file, Throwable primary) {
        try {
            file.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }
}
