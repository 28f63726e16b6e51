package io.tally.client;

import java.util.List;

/**
 * The outcome of a transaction ({@link TallyClient#txn(Txn)}).
 *
 * @param succeeded whether every comparison held (the success branch ran), or not (the failure branch ran)
 * @param revision  the revision it ran at; its writes, if any, all have this version
 * @param results   one result per operation of the branch that ran, in order
 */
public record TxnResult(boolean succeeded, long revision, List<OpResult> results) {

    public TxnResult {
        results = List.copyOf(results);
    }
}
