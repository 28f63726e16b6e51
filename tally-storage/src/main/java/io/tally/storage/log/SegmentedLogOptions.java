package io.tally.storage.log;

/**
 * Options of a {@link SegmentedLogStore}.
 *
 * @param segmentSize bytes preallocated for each new segment file, header included; between 4 KiB and 1 GiB.
 *                    A record larger than a segment gets a segment of its own, sized to fit it. Existing
 *                    segments keep the size they were created with.
 */
public record SegmentedLogOptions(long segmentSize) {

    public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
    public static final long MIN_SEGMENT_SIZE = 4L << 10;
    public static final long MAX_SEGMENT_SIZE = 1L << 30;

    public SegmentedLogOptions {
        if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segmentSize must be in [" + MIN_SEGMENT_SIZE + ", " + MAX_SEGMENT_SIZE
                    + "] bytes, was " + segmentSize);
        }
    }

    /** 64 MiB segments. */
    public static SegmentedLogOptions defaults() {
        return new SegmentedLogOptions(DEFAULT_SEGMENT_SIZE);
    }

    public SegmentedLogOptions withSegmentSize(long size) {
        return new SegmentedLogOptions(size);
    }
}
