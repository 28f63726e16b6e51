package io.tally.testkit.harness;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Scenario commands: 8-byte numbers like the course's ints, or arbitrary payloads. */
public final class Commands {

    private Commands() {
    }

    public static byte[] of(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    /** The number in an 8-byte command. */
    public static long value(byte[] command) {
        if (command == null || command.length != 8) {
            throw new IllegalArgumentException("not a numeric command: " + describe(command));
        }
        return ByteBuffer.wrap(command).getLong();
    }

    public static boolean isNumeric(byte[] command) {
        return command != null && command.length == 8;
    }

    public static String describe(byte[] command) {
        if (command == null) {
            return "null";
        }
        if (command.length == 8) {
            return Long.toString(ByteBuffer.wrap(command).getLong());
        }
        return command.length + " bytes " + Integer.toHexString(Arrays.hashCode(command));
    }
}
