package io.tally.testkit.api;

import java.util.random.RandomGenerator;

/**
 * What the simulated clients do, and how their requests and answers look to your state machine and to your model.
 * Each client issues one operation at a time: it draws one with {@link #nextOperation}, sends {@link #encode}'s bytes
 * to the node it believes leads ({@code RaftNode.apply}), retries elsewhere while nodes say they do not lead, and
 * records the call, the answer ({@link #decode}d from your state machine's result) and both times in the history that
 * the {@link io.tally.testkit.linearizability.Model} checks. An operation whose outcome the client never learns (a
 * timeout, a lost leadership, a crash of the node it asked) is recorded as such: it may or may not have happened.
 *
 * <p>Reads go through the log like writes (an operation is a command), so every answer is linearizable.
 *
 * @param <I> an operation as the model sees it (a record, say: {@code Transfer(from, to, amount)})
 * @param <O> an answer as the model sees it
 * @param <R> your state machine's result type
 */
public interface Workload<I, O, R> {

    /**
     * The next operation of client {@code client}. Draw every random choice from {@code random} (seeded from the
     * run's seed), never from another source, or the run cannot be replayed.
     */
    I nextOperation(int client, RandomGenerator random);

    /** The command bytes your state machine's {@code apply} receives for {@code operation}. */
    byte[] encode(I operation);

    /** The answer the model checks, from your state machine's result for {@code operation}. */
    O decode(I operation, R result);
}
