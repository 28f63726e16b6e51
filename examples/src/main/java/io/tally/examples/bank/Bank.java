package io.tally.examples.bank;

import io.tally.raft.StateMachine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A replicated bank: {@value #ACCOUNTS} accounts opened with {@value #OPENING_BALANCE} each. A transfer moves money
 * between two accounts and pays the bank a fee of {@value #FEE}; it is refused (answer 0) when the payer cannot cover
 * amount and fee, and answers 1 when done. No money is ever made or lost: the balances plus the fees collected are
 * always {@link #TOTAL}.
 *
 * <p>Snapshot: the {@value #ACCOUNTS} balances, then the fees collected (i64 each, big-endian).
 */
public class Bank implements StateMachine<Long> {

    public static final int ACCOUNTS = 5;
    public static final long OPENING_BALANCE = 100;
    public static final long FEE = 1;
    /** The money in the bank, forever. */
    public static final long TOTAL = ACCOUNTS * OPENING_BALANCE;

    /** Balances by account, and the fees collected; touched by the apply thread only. */
    protected long[] balances = new long[ACCOUNTS];
    protected long fees;

    public Bank() {
        Arrays.fill(balances, OPENING_BALANCE);
    }

    @Override
    public List<Long> apply(List<Command> commands) {
        List<Long> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            results.add(apply(BankCommand.decode(c.data())));
        }
        return results;
    }

    private long apply(BankCommand command) {
        if (command instanceof BankCommand.Transfer t) {
            if (t.amount() < 0 || t.from() == t.to() || balances[t.from()] < t.amount() + FEE) {
                return 0;
            }
            balances[t.from()] -= t.amount() + FEE;
            balances[t.to()] += t.amount();
            fees += FEE;
            return 1;
        } else if (command instanceof BankCommand.Balance b) {
            return balances[b.account()];
        }
        return money();
    }

    /** Every balance plus the fees: {@link #TOTAL} in a correct bank. */
    public long money() {
        return Arrays.stream(balances).sum() + fees;
    }

    /** A copy of the state, to compare replicas. */
    public State state() {
        return new State(List.of(Arrays.stream(balances).boxed().toArray(Long[]::new)), fees);
    }

    /**
     * The bank's state as a value.
     *
     * @param balances by account
     * @param fees     collected
     */
    public record State(List<Long> balances, long fees) {
    }

    @Override
    public Snapshot snapshot() {
        long[] b = balances.clone();
        long f = fees;
        return out -> write(out, b, f);
    }

    /** Writes a snapshot: the balances, then the fees. */
    protected void write(OutputStream out, long[] b, long f) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        for (long balance : b) {
            data.writeLong(balance);
        }
        data.writeLong(f);
        data.flush();
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        long[] b = new long[ACCOUNTS];
        for (int i = 0; i < ACCOUNTS; i++) {
            b[i] = data.readLong();
        }
        fees = data.readLong();
        balances = b;
    }
}
