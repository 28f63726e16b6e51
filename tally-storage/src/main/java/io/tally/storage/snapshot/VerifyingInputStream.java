package io.tally.storage.snapshot;

import io.tally.storage.StorageCorruptionException;
import io.tally.storage.fs.StorageFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Reads a snapshot's data file in chunks, computing its CRC32C on the way. The final chunk is handed out
 * only after the length and checksum have been verified, so a reader that stops after exactly
 * {@code expectedSize} bytes has still been checked; a mismatch raises {@link StorageCorruptionException}.
 * Not thread-safe.
 */
final class VerifyingInputStream extends InputStream {

    static final int CHUNK_BYTES = 64 * 1024;

    private final StorageFile file;
    private final Path path;
    private final long expectedSize;
    private final int expectedCrc;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
    private long filePosition;
    private boolean verified;
    private boolean closed;
    /**
     * Once a read failed (the data failed its checks, or an I/O error), every later read throws it again and
     * no more bytes are handed out: a partly loaded chunk is not yet checked.
     */
    private IOException failure;

    VerifyingInputStream(StorageFile file, Path path, long expectedSize, int expectedCrc) {
        this.file = file;
        this.path = path;
        this.expectedSize = expectedSize;
        this.expectedCrc = expectedCrc;
        chunk.limit(0);
    }

    @Override
    public int read() throws IOException {
        if (!chunk.hasRemaining() && !fill()) {
            return -1;
        }
        return chunk.get() & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!chunk.hasRemaining() && !fill()) {
            return -1;
        }
        int n = Math.min(len, chunk.remaining());
        chunk.get(b, off, n);
        return n;
    }

    @Override
    public int available() throws IOException {
        ensureOpen();
        return chunk.remaining();
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            file.close();
        }
    }

    /** Loads the next chunk; false at the (verified) end of the data. */
    private boolean fill() throws IOException {
        ensureOpen();
        if (failure != null) {
            throw failure;
        }
        try {
            return loadChunk();
        } catch (IOException e) {
            chunk.position(0).limit(0);
            failure = e;
            throw e;
        }
    }

    private boolean loadChunk() throws IOException {
        if (filePosition == expectedSize) {
            verify();
            return false;
        }
        chunk.clear();
        chunk.limit((int) Math.min(CHUNK_BYTES, expectedSize - filePosition));
        while (chunk.hasRemaining()) {
            int n = file.read(chunk, filePosition + chunk.position());
            if (n < 0) {
                throw new StorageCorruptionException(path, "truncated: data ends at byte "
                        + (filePosition + chunk.position()) + " of " + expectedSize);
            }
        }
        chunk.flip();
        crc.update(chunk.array(), 0, chunk.limit());
        filePosition += chunk.limit();
        if (filePosition == expectedSize) {
            verify();
        }
        return true;
    }

    private void verify() throws IOException {
        if (verified) {
            return;
        }
        long actualSize = file.size();
        if (actualSize != expectedSize) {
            throw new StorageCorruptionException(path, "data is " + actualSize + " bytes, meta says " + expectedSize);
        }
        if ((int) crc.getValue() != expectedCrc) {
            throw new StorageCorruptionException(path, String.format(
                    "data checksum mismatch (meta says %08x, data has %08x)", expectedCrc, (int) crc.getValue()));
        }
        verified = true;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("snapshot stream over " + path + " is closed");
        }
    }
}
