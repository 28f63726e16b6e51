package io.tally.bench.compare;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The keys and values every system is loaded with: {@code size} distinct 8-byte keys (8 hexadecimal digits, so that
 * they are safe in a URL path too), chosen uniformly at random per request, and values of printable random bytes.
 */
final class KeySpace {

    static final int KEY_BYTES = 8;

    private final byte[][] keys;

    KeySpace(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("the key space needs at least one key");
        }
        keys = new byte[size][];
        for (int i = 0; i < size; i++) {
            keys[i] = String.format("%08x", i).getBytes(StandardCharsets.US_ASCII);
        }
    }

    int size() {
        return keys.length;
    }

    byte[] key(int i) {
        return keys[i];
    }

    static byte[] value(int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] v = new byte[length];
        for (int i = 0; i < length; i++) {
            v[i] = (byte) ('a' + r.nextInt(26));
        }
        return v;
    }
}
