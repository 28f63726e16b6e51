package io.tally.examples.bank;

import io.tally.testkit.linearizability.Model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The bank as a sequential specification: the state is the balances and the fees. */
final class BankModel implements Model<Bank.State, BankCommand, Long> {

    @Override
    public Bank.State initialState() {
        return new Bank().state();
    }

    @Override
    public Optional<Bank.State> step(Bank.State s, BankCommand command, Long answer) {
        Bank.State next = s;
        long expected;
        if (command instanceof BankCommand.Transfer t) {
            boolean covered = t.amount() >= 0 && t.from() != t.to() && s.balances().get(t.from()) >= t.amount() + Bank.FEE;
            expected = covered ? 1 : 0;
            if (covered) {
                List<Long> b = new ArrayList<>(s.balances());
                b.set(t.from(), b.get(t.from()) - t.amount() - Bank.FEE);
                b.set(t.to(), b.get(t.to()) + t.amount());
                next = new Bank.State(List.copyOf(b), s.fees() + Bank.FEE);
            }
        } else if (command instanceof BankCommand.Balance b) {
            expected = s.balances().get(b.account());
        } else {
            expected = s.balances().stream().mapToLong(Long::longValue).sum() + s.fees();
        }
        return answer == null || answer == expected ? Optional.of(next) : Optional.empty();
    }
}
