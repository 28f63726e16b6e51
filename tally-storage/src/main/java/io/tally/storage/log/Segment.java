package io.tally.storage.log;

import io.tally.storage.fs.StorageFile;

import java.nio.file.Path;
import java.util.Arrays;

/** One open segment file and the in-memory index of its records. Mutated only by {@link SegmentedLogStore}. */
final class Segment {

    final long firstIndex;
    final Path path;
    final StorageFile file;
    /** Bytes the file was preallocated to; records never extend beyond. */
    final long capacity;
    /** Offset just past the last record: where the next record goes. */
    long end = LogFormat.HEADER_SIZE;
    /** Written since the last force. */
    boolean dirty;
    private long[] offsets = new long[64];
    private int count;

    Segment(long firstIndex, Path path, StorageFile file, long capacity) {
        this.firstIndex = firstIndex;
        this.path = path;
        this.file = file;
        this.capacity = capacity;
    }

    int count() {
        return count;
    }

    /** Index of the last record; firstIndex - 1 when the segment holds none. */
    long lastIndex() {
        return firstIndex + count - 1;
    }

    void add(long offset) {
        if (count == offsets.length) {
            offsets = Arrays.copyOf(offsets, offsets.length * 2);
        }
        offsets[count++] = offset;
    }

    /** Offset of the record at position {@code i} (0 = firstIndex). */
    long offset(int i) {
        return offsets[i];
    }

    /** Offset just past the record at position {@code i}. */
    long endOf(int i) {
        return i + 1 < count ? offsets[i + 1] : end;
    }

    /** Keeps the first {@code keep} records; the next record will be written where record {@code keep} was. */
    void truncate(int keep) {
        if (keep < count) {
            end = offsets[keep];
            count = keep;
        }
    }

    @Override
    public String toString() {
        return path.getFileName() + "[" + firstIndex + ", " + lastIndex() + "] end=" + end + "/" + capacity;
    }
}
