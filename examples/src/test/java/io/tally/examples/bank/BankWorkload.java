package io.tally.examples.bank;

import io.tally.testkit.api.Workload;

import java.util.random.RandomGenerator;

/** Clients move 1–30 between random accounts (six times in ten), read a balance, or audit the bank. */
final class BankWorkload implements Workload<BankCommand, Long, Long> {

    @Override
    public BankCommand nextOperation(int client, RandomGenerator random) {
        int r = random.nextInt(10);
        if (r < 6) {
            int from = random.nextInt(Bank.ACCOUNTS);
            int to = (from + 1 + random.nextInt(Bank.ACCOUNTS - 1)) % Bank.ACCOUNTS;
            return new BankCommand.Transfer(from, to, 1 + random.nextInt(30));
        }
        return r < 9 ? new BankCommand.Balance(random.nextInt(Bank.ACCOUNTS)) : new BankCommand.Audit();
    }

    @Override
    public byte[] encode(BankCommand command) {
        return command.encode();
    }

    @Override
    public Long decode(BankCommand command, Long result) {
        return result;
    }
}
