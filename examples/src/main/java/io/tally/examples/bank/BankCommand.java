package io.tally.examples.bank;

import java.nio.ByteBuffer;

/**
 * A command of the bank: move money between two accounts, read one account's balance, or audit the bank (all the
 * money it holds). Encoded as one kind byte ('T', 'B', 'A') and its fields, big-endian.
 */
public sealed interface BankCommand {

    /** Moves {@code amount} from account {@code from} to account {@code to}, paying the bank a fee. */
    record Transfer(int from, int to, long amount) implements BankCommand {
        @Override
        public String toString() {
            return "transfer(" + from + " -> " + to + ", " + amount + ")";
        }
    }

    /** Reads account {@code account}'s balance. */
    record Balance(int account) implements BankCommand {
        @Override
        public String toString() {
            return "balance(" + account + ")";
        }
    }

    /** Reads the money the bank holds: every balance plus the fees it collected. */
    record Audit() implements BankCommand {
        @Override
        public String toString() {
            return "audit()";
        }
    }

    /** The command's bytes, as the state machine receives them. */
    default byte[] encode() {
        if (this instanceof Transfer t) {
            return ByteBuffer.allocate(17).put((byte) 'T').putInt(t.from()).putInt(t.to()).putLong(t.amount()).array();
        } else if (this instanceof Balance b) {
            return ByteBuffer.allocate(5).put((byte) 'B').putInt(b.account()).array();
        }
        return new byte[] {'A'};
    }

    /** Reads a command back; throws on anything else. */
    static BankCommand decode(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        if (data.length == 17 && data[0] == 'T') {
            b.get();
            return new Transfer(b.getInt(), b.getInt(), b.getLong());
        } else if (data.length == 5 && data[0] == 'B') {
            b.get();
            return new Balance(b.getInt());
        } else if (data.length == 1 && data[0] == 'A') {
            return new Audit();
        }
        throw new IllegalArgumentException("not a bank command: " + data.length + " bytes");
    }
}
