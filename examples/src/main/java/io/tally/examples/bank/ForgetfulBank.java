package io.tally.examples.bank;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * DELIBERATELY BROKEN: a bank whose snapshot forgets a field. Its author added fees to {@link Bank} later and updated
 * {@code apply}, but not the snapshot: it keeps the balances and drops the fees collected. A node that restores a
 * snapshot — after a restart, or when it lagged and the leader sent it one — comes back with the fees at zero: money
 * vanished, and that node now disagrees with the others. Nothing goes wrong until a snapshot is restored, which is
 * why ordinary tests miss it.
 */
public final class ForgetfulBank extends Bank {

    @Override
    protected void write(OutputStream out, long[] b, long f) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        for (long balance : b) {
            data.writeLong(balance);
        }
        data.flush(); // the fees are not written
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        long[] b = new long[ACCOUNTS];
        for (int i = 0; i < ACCOUNTS; i++) {
            b[i] = data.readLong();
        }
        balances = b;
        fees = 0;
    }
}
