package io.tally.examples.counter;

import java.nio.ByteBuffer;

/**
 * A command of the counter: add {@code delta}, or read the value. Encoded as one byte ('A' or 'G') and, for an add,
 * the delta as 8 big-endian bytes.
 *
 * @param add   true for an add, false for a read
 * @param delta what an add adds (0 for a read)
 */
public record CounterCommand(boolean add, long delta) {

    /** Adds {@code delta}. */
    public static CounterCommand add(long delta) {
        return new CounterCommand(true, delta);
    }

    /** Reads the value. */
    public static CounterCommand get() {
        return new CounterCommand(false, 0);
    }

    /** The command's bytes, as the state machine receives them. */
    public byte[] encode() {
        if (!add) {
            return new byte[] {'G'};
        }
        return ByteBuffer.allocate(9).put((byte) 'A').putLong(delta).array();
    }

    /** Reads a command back; throws on anything else. */
    public static CounterCommand decode(byte[] data) {
        if (data.length == 1 && data[0] == 'G') {
            return get();
        }
        if (data.length == 9 && data[0] == 'A') {
            return add(ByteBuffer.wrap(data, 1, 8).getLong());
        }
        throw new IllegalArgumentException("not a counter command: " + data.length + " bytes");
    }

    @Override
    public String toString() {
        return add ? "add(" + delta + ")" : "get()";
    }
}
