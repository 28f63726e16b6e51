package io.tally.raft.storage;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes written once, in fixed-size chunks, then read any number of times: what an in-memory snapshot holds.
 *
 * <p>A growing array (ByteArrayOutputStream) copies everything written so far each time it doubles, and once more
 * to hand the bytes out; for a store that takes a multi-megabyte snapshot every few entries that was nearly all the
 * memory traffic of a simulated run. Here each byte is copied once, into its chunk. Not thread-safe: the owner
 * writes (and freezes) under its own lock, after which only {@link #open()} is allowed and the chunks never change.
 */
final class ChunkedBytes {

    static final int CHUNK_BYTES = 64 * 1024;

    private final List<byte[]> chunks = new ArrayList<>();
    private int used = CHUNK_BYTES; // bytes used in the last chunk; a full "chunk" before the first
    private long size;
    private boolean frozen;

    /** Appends {@code len} bytes of {@code b} from {@code off}. */
    void write(byte[] b, int off, int len) {
        if (frozen) {
            throw new IllegalStateException("frozen");
        }
        while (len > 0) {
            if (used == CHUNK_BYTES) {
                chunks.add(new byte[CHUNK_BYTES]);
                used = 0;
            }
            int n = Math.min(len, CHUNK_BYTES - used);
            System.arraycopy(b, off, chunks.get(chunks.size() - 1), used, n);
            used += n;
            off += n;
            len -= n;
            size += n;
        }
    }

    void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    long size() {
        return size;
    }

    /** No more writes: from now on the bytes are shared by every {@link #open()}. */
    void freeze() {
        frozen = true;
    }

    /** A stream of the frozen bytes, from the first. */
    InputStream open() {
        if (!frozen) {
            throw new IllegalStateException("not frozen");
        }
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                if (position >= size) {
                    return -1;
                }
                int chunk = (int) (position / CHUNK_BYTES);
                int at = (int) (position % CHUNK_BYTES);
                int n = (int) Math.min(len, Math.min(CHUNK_BYTES - at, size - position));
                System.arraycopy(chunks.get(chunk), at, b, off, n);
                position += n;
                return n;
            }

            @Override
            public long skip(long n) {
                long skipped = Math.max(0, Math.min(n, size - position));
                position += skipped;
                return skipped;
            }

            @Override
            public int available() {
                return (int) Math.min(Integer.MAX_VALUE, size - position);
            }
        };
    }
}
