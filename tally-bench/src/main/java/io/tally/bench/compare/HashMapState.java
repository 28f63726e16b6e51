package io.tally.bench.compare;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The state machine every library replicates in the comparison: a hash map from an 8-byte key to a value. A
 * command is the key followed by the value. Not thread-safe: each library applies from one thread.
 */
final class HashMapState {

    private final HashMap<Long, byte[]> map = new HashMap<>();

    /** A command putting {@code value} under {@code key}. */
    static byte[] command(long key, byte[] value) {
        return ByteBuffer.allocate(Long.BYTES + value.length).putLong(key).put(value).array();
    }

    void apply(ByteBuffer command) {
        long key = command.getLong(command.position());
        byte[] value = new byte[command.remaining() - Long.BYTES];
        command.get(command.position() + Long.BYTES, value);
        map.put(key, value);
    }

    void apply(byte[] command) {
        apply(ByteBuffer.wrap(command));
    }

    int size() {
        return map.size();
    }

    /** A copy to write out while the map goes on changing. */
    Map<Long, byte[]> copy() {
        return new HashMap<>(map);
    }

    static void write(Map<Long, byte[]> view, OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(view.size());
        for (Map.Entry<Long, byte[]> e : view.entrySet()) {
            d.writeLong(e.getKey());
            d.writeInt(e.getValue().length);
            d.write(e.getValue());
        }
        d.flush();
    }

    void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        map.clear();
        int n = d.readInt();
        for (int i = 0; i < n; i++) {
            long k = d.readLong();
            byte[] v = new byte[d.readInt()];
            d.readFully(v);
            map.put(k, v);
        }
    }
}
