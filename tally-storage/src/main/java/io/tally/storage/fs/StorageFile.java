package io.tally.storage.fs;

import java.io.IOException;
import java.nio.ByteBuffer;

/** An open file with positional I/O. Not thread-safe; the storage classes use one at a time. */
public interface StorageFile extends AutoCloseable {

    /** Reads up to {@code dst.remaining()} bytes at {@code position}; returns the count, or -1 at end of file. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}, extending the file if needed. */
    void write(ByteBuffer src, long position) throws IOException;

    long size() throws IOException;

    /** Shrinks the file to {@code size} bytes (no effect when already smaller). */
    void truncate(long size) throws IOException;

    /** Makes every earlier write and size change of this file durable (fsync/fdatasync). */
    void force() throws IOException;

    @Override
    void close() throws IOException;

    /** Reads exactly {@code dst.remaining()} bytes or throws {@link java.io.EOFException}. */
    default void readFully(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = read(dst, pos);
            if (n < 0) {
                throw new java.io.EOFException("end of file at " + pos + " with " + dst.remaining() + " bytes still to read");
            }
            pos += n;
        }
    }
}
