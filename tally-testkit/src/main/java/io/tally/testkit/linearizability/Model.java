package io.tally.testkit.linearizability;

import java.util.List;
import java.util.Optional;

/**
 * A sequential specification for the checker: a state, and how an operation moves it.
 *
 * @param <S> the state; must implement equals and hashCode (the search memoizes on it), and be immutable
 */
public interface Model<S, I, O> {

    S initialState();

    /**
     * The state after {@code input} in {@code state}, if that step can produce {@code output}; empty if it
     * cannot. {@code output} is null when the client never learned it; any step can produce that.
     */
    Optional<S> step(S state, I input, O output);

    /**
     * Independent parts of a history (for a key/value store: one per key). The history is linearizable if and
     * only if every part is, and the parts are checked separately, which keeps the search small.
     */
    default List<List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
        return List.of(history);
    }

    /** Names one part of {@link #partition} in reports (for a key/value store: its key). */
    default String describePart(List<Operation<I, O>> part) {
        return part.size() + " operations";
    }

    default String describe(Operation<I, O> op) {
        return "client " + op.client() + ": " + op.input() + " -> " + op.output();
    }

    default String describeState(S state) {
        return String.valueOf(state);
    }
}
