package io.tally.raft.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One log entry. Immutable by convention: the data array is never modified after construction
 * (copy it before handing it in if the caller keeps using it).
 */
public record Entry(long index, long term, EntryType type, byte[] data) {

    private static final byte[] EMPTY = new byte[0];

    public Entry {
        if (index < 1) {
            throw new IllegalArgumentException("entry index must be >= 1, was " + index);
        }
        if (term < 1) {
            throw new IllegalArgumentException("entry term must be >= 1, was " + term);
        }
        Objects.requireNonNull(type, "type");
        data = data == null ? EMPTY : data;
    }

    /** Approximate in-memory and on-wire size, used for batching and flow-control budgets. */
    public int sizeBytes() {
        return data.length + 24;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.index == index && e.term == term && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, term, type) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Entry{" + index + "/" + term + " " + type + " " + data.length + "B}";
    }
}
