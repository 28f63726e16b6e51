package io.tally.raft.storage;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChunkedBytesTest {

    /** Writes of every size, across chunk boundaries, read back by reads of every size: the same bytes. */
    @Test
    void readsBackWhatWasWrittenAcrossChunkBoundaries() throws IOException {
        long seed = Long.getLong("tally.test.seed", 5L);
        System.out.println("ChunkedBytesTest seed " + seed);
        Random r = new Random(seed);
        for (int round = 0; round < 30; round++) {
            ChunkedBytes c = new ChunkedBytes();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            int total = r.nextInt(4 * ChunkedBytes.CHUNK_BYTES + 7);
            while (expected.size() < total) {
                if (r.nextInt(10) == 0) {
                    int b = r.nextInt(256);
                    c.write(b);
                    expected.write(b);
                } else {
                    byte[] b = new byte[1 + r.nextInt(r.nextBoolean() ? 100 : 2 * ChunkedBytes.CHUNK_BYTES)];
                    r.nextBytes(b);
                    int off = r.nextInt(b.length);
                    c.write(b, off, b.length - off);
                    expected.write(b, off, b.length - off);
                }
            }
            c.freeze();
            assertEquals(expected.size(), c.size());
            for (int reader = 0; reader < 2; reader++) {
                ByteArrayOutputStream read = new ByteArrayOutputStream();
                try (InputStream in = c.open()) {
                    while (true) {
                        if (r.nextInt(20) == 0) {
                            int b = in.read();
                            if (b < 0) {
                                break;
                            }
                            read.write(b);
                            continue;
                        }
                        byte[] buf = new byte[1 + r.nextInt(3 * ChunkedBytes.CHUNK_BYTES)];
                        int n = in.read(buf, 0, buf.length);
                        if (n < 0) {
                            break;
                        }
                        read.write(buf, 0, n);
                    }
                }
                assertArrayEquals(expected.toByteArray(), read.toByteArray(), "round " + round + " (seed " + seed + ")");
            }
        }
    }

    @Test
    void writesAfterFreezeAndReadsBeforeItAreRefused() {
        ChunkedBytes c = new ChunkedBytes();
        c.write(new byte[] {1, 2, 3}, 0, 3);
        assertThrows(IllegalStateException.class, c::open);
        c.freeze();
        assertThrows(IllegalStateException.class, () -> c.write(4));
    }

    @Test
    void skipStopsAtTheEnd() throws IOException {
        ChunkedBytes c = new ChunkedBytes();
        c.write(new byte[ChunkedBytes.CHUNK_BYTES + 10], 0, ChunkedBytes.CHUNK_BYTES + 10);
        c.freeze();
        InputStream in = c.open();
        assertEquals(ChunkedBytes.CHUNK_BYTES, in.skip(ChunkedBytes.CHUNK_BYTES));
        assertEquals(10, in.available());
        assertEquals(10, in.skip(100));
        assertEquals(-1, in.read());
    }
}
