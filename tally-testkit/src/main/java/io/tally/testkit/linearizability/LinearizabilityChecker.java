package io.tally.testkit.linearizability;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a concurrent history is linearizable with respect to a {@link Model}: whether every
 * operation can be given a single point in time between its call and its return such that the operations,
 * taken in that order, follow the model.
 *
 * <p>The search is Wing and Gong's (1993): walk the history's call and return events in time order; at a
 * call, try to let that operation take effect now (if the model allows its output), remove it and go on; at
 * a return whose operation has not taken effect, undo the last choice and try the next candidate. Lowe's
 * memoization (2017) prunes the search: a set of linearized operations together with the state they lead to
 * is explored once. The history is first split into the model's independent parts (per key), each searched
 * alone — the approach of the Porcupine checker. Operations whose outcome is unknown never block the search
 * (their return is at the end of time, and any output fits them).
 *
 * <p>On a violation, the result carries a readable report: the part (key) that failed, the longest prefix
 * that could be linearized, the state it led to, and the operation that could not be placed.
 */
public final class LinearizabilityChecker {

    public enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, TIMED_OUT }

    public record Result(Verdict verdict, String report) {
        public boolean ok() {
            return verdict == Verdict.LINEARIZABLE;
        }
    }

    private LinearizabilityChecker() {
    }

    public static <S, I, O> Result check(Model<S, I, O> model, List<Operation<I, O>> history, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (List<Operation<I, O>> part : model.partition(history)) {
            Result r = new Search<>(model, part, deadline).run();
            if (!r.ok()) {
                return r;
            }
        }
        return new Result(Verdict.LINEARIZABLE, history.size() + " operations, linearizable");
    }

    /** One call or return event, in a doubly linked list that operations are lifted out of and put back in. */
    private static final class Event {
        final int op;
        final boolean call;
        final long time;
        Event match; // a call's return event
        Event prev;
        Event next;

        Event(int op, boolean call, long time) {
            this.op = op;
            this.call = call;
            this.time = time;
        }
    }

    private record Memo(BitSet linearized, Object state) {
    }

    private record Choice(Event call, Object stateBefore) {
    }

    private static final class Search<S, I, O> {
        private final Model<S, I, O> model;
        private final List<Operation<I, O>> ops;
        private final long deadline;
        private final Event head = new Event(-1, false, Long.MIN_VALUE);
        // For the report: the deepest point reached.
        private int bestDepth = -1;
        private List<Integer> bestPrefix = List.of();
        private Object bestState;
        private int blockedAt = -1;

        Search(Model<S, I, O> model, List<Operation<I, O>> ops, long deadline) {
            this.model = model;
            this.ops = ops;
            this.deadline = deadline;
            List<Event> events = new ArrayList<>(2 * ops.size());
            for (int i = 0; i < ops.size(); i++) {
                Event c = new Event(i, true, ops.get(i).callTime());
                Event r = new Event(i, false, ops.get(i).returnTime());
                c.match = r;
                events.add(c);
                events.add(r);
            }
            // Time order; at equal times calls first, so that touching operations count as concurrent.
            events.sort(Comparator.comparingLong((Event e) -> e.time).thenComparing(e -> e.call ? 0 : 1));
            Event prev = head;
            for (Event e : events) {
                prev.next = e;
                e.prev = prev;
                prev = e;
            }
        }

        @SuppressWarnings("unchecked")
        Result run() {
            Set<Memo> seen = new HashSet<>();
            ArrayDeque<Choice> stack = new ArrayDeque<>();
            BitSet linearized = new BitSet(ops.size());
            S state = model.initialState();
            Event e = head.next;
            long steps = 0;
            while (head.next != null) {
                if ((++steps & 0xfff) == 0 && System.nanoTime() > deadline) {
                    return new Result(Verdict.TIMED_OUT, "gave up after " + steps + " steps on a part of " + ops.size()
                            + " operations");
                }
                if (e == null) {
                    break; // only unknown-outcome calls whose returns lie beyond every other event remain
                }
                if (e.call) {
                    Operation<I, O> op = ops.get(e.op);
                    Optional<S> next = model.step(state, op.input(), op.output());
                    if (next.isPresent()) {
                        BitSet after = (BitSet) linearized.clone();
                        after.set(e.op);
                        if (seen.add(new Memo(after, next.get()))) {
                            stack.push(new Choice(e, state));
                            state = next.get();
                            linearized.set(e.op);
                            lift(e);
                            noteDepth(stack, state);
                            e = head.next;
                            continue;
                        }
                    }
                    e = e.next;
                } else {
                    if (ops.get(e.op).returnTime() == Long.MAX_VALUE) {
                        break; // every remaining event belongs to an operation that may never have happened
                    }
                    if (blockedAt < 0 || stack.size() >= bestDepth) {
                        blockedAt = e.op;
                    }
                    if (stack.isEmpty()) {
                        return violation();
                    }
                    Choice c = stack.pop();
                    state = (S) c.stateBefore();
                    linearized.clear(c.call().op);
                    unlift(c.call());
                    e = c.call().next;
                }
            }
            return new Result(Verdict.LINEARIZABLE, ops.size() + " operations, linearizable");
        }

        private void noteDepth(ArrayDeque<Choice> stack, Object state) {
            if (stack.size() > bestDepth) {
                bestDepth = stack.size();
                List<Integer> prefix = new ArrayList<>();
                stack.descendingIterator().forEachRemaining(c -> prefix.add(c.call().op));
                bestPrefix = prefix;
                bestState = state;
                blockedAt = -1;
            }
        }

        private static void lift(Event call) {
            call.prev.next = call.next;
            if (call.next != null) {
                call.next.prev = call.prev;
            }
            Event r = call.match;
            r.prev.next = r.next;
            if (r.next != null) {
                r.next.prev = r.prev;
            }
        }

        private static void unlift(Event call) {
            Event r = call.match;
            r.prev.next = r;
            if (r.next != null) {
                r.next.prev = r;
            }
            call.prev.next = call;
            if (call.next != null) {
                call.next.prev = call;
            }
        }

        @SuppressWarnings("unchecked")
        private Result violation() {
            StringBuilder b = new StringBuilder("NOT LINEARIZABLE: ").append(model.describePart(ops));
            b.append("\nlongest linearizable prefix (").append(Math.max(0, bestDepth)).append(" operations), in order:\n");
            int from = Math.max(0, bestPrefix.size() - 10);
            if (from > 0) {
                b.append("  ... ").append(from).append(" earlier operations\n");
            }
            for (int i = from; i < bestPrefix.size(); i++) {
                b.append("  ").append(line(bestPrefix.get(i))).append('\n');
            }
            b.append("state after it: ").append(bestState == null ? model.describeState(model.initialState())
                    : model.describeState((S) bestState)).append('\n');
            if (blockedAt >= 0) {
                b.append("then no remaining operation can take effect before this one returns:\n  ")
                        .append(line(blockedAt)).append('\n');
                b.append("operations concurrent with it that were not linearized:\n");
                Operation<I, O> blocked = ops.get(blockedAt);
                Set<Integer> inPrefix = new HashSet<>(bestPrefix);
                for (int i = 0; i < ops.size(); i++) {
                    Operation<I, O> o = ops.get(i);
                    if (i != blockedAt && !inPrefix.contains(i) && o.callTime() <= blocked.returnTime()
                            && o.returnTime() >= blocked.callTime()) {
                        b.append("  ").append(line(i)).append('\n');
                    }
                }
            }
            return new Result(Verdict.NOT_LINEARIZABLE, b.toString());
        }

        private String line(int i) {
            Operation<I, O> o = ops.get(i);
            return model.describe(o) + "  [call " + o.callTime() + ", return "
                    + (o.returnTime() == Long.MAX_VALUE ? "never" : Long.toString(o.returnTime())) + "]";
        }
    }
}
