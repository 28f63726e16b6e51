package io.tally.testkit.linearizability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A key/value store with string values: get, put and append on one key (the course's key/value service), and,
 * within one <em>group</em> of keys, range reads, range deletes and transactions (compare, then a success or a failure
 * branch of puts, gets, deletes and prefix deletes, all at one point). A key that was never written reads as the
 * empty string.
 *
 * <p>Groups keep the search tractable: the history is partitioned by group and each part is checked alone. A key's
 * group is what precedes its first {@code '/'} ({@code "g3/a"} and {@code "g3/b"} are in group {@code "g3"}); a key
 * without {@code '/'} is a group of its own. Every multi-key operation stays inside one group: a range's prefix
 * must contain {@code '/'} (so every key it covers shares the group), and a transaction's keys and prefixes must all
 * be in one group. Operations on different groups commute, so the history is linearizable if and only if every part
 * is (Herlihy and Wing's locality).
 *
 * <p>The state of a part is an immutable sorted map from key to value ({@link State}, with equals and hashCode for the
 * checker's memoization). Outputs are strings: {@code "ok"} for a put or an append, the value for a get, and for the
 * multi-key operations the canonical encodings of {@link #rangeOutput}, {@link #countOutput} and {@link #txnOutput},
 * which the client builds from what the store answered.
 */
public final class KvModel implements Model<KvModel.State, KvModel.Input, String> {

    public enum Kind { GET, PUT, APPEND, RANGE, DELETE_PREFIX, TXN }

    /**
     * One operation.
     *
     * @param key   the key (GET, PUT, APPEND), the prefix (RANGE, DELETE_PREFIX), or for a TXN the first key it names
     * @param value the value of a PUT or APPEND
     * @param txn   a TXN's compares and branches
     */
    public record Input(Kind kind, String key, String value, Txn txn) {

        public Input {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(key, "key");
            if ((kind == Kind.RANGE || kind == Kind.DELETE_PREFIX) && key.indexOf('/') < 0) {
                throw new IllegalArgumentException("a range must stay inside one group: its prefix must contain '/', not '"
                        + key + "'");
            }
            if ((kind == Kind.TXN) != (txn != null)) {
                throw new IllegalArgumentException("a transaction, and only a transaction, has a txn");
            }
        }

        public Input(Kind kind, String key, String value) {
            this(kind, key, value, null);
        }

        public static Input get(String key) {
            return new Input(Kind.GET, key, null);
        }

        public static Input put(String key, String value) {
            return new Input(Kind.PUT, key, value);
        }

        public static Input append(String key, String value) {
            return new Input(Kind.APPEND, key, value);
        }

        /** Reads every key under {@code prefix} (which contains '/') at one point. */
        public static Input range(String prefix) {
            return new Input(Kind.RANGE, prefix, null);
        }

        /** Deletes every key under {@code prefix} (which contains '/') at one point. */
        public static Input deletePrefix(String prefix) {
            return new Input(Kind.DELETE_PREFIX, prefix, null);
        }

        public static Input txn(Txn txn) {
            return new Input(Kind.TXN, txn.firstKey(), null, txn);
        }

        /** The group this operation belongs to. */
        public String group() {
            return kind == Kind.RANGE || kind == Kind.DELETE_PREFIX ? prefixGroup(key) : groupOf(key);
        }

        /** Whether this operation may change the state (its outcome may be unknown). */
        public boolean isWrite() {
            return kind != Kind.GET && kind != Kind.RANGE;
        }

        @Override
        public String toString() {
            return switch (kind) {
                case GET -> "get(" + key + ")";
                case PUT -> "put(" + key + ", '" + value + "')";
                case APPEND -> "append(" + key + ", '" + value + "')";
                case RANGE -> "range('" + key + "')";
                case DELETE_PREFIX -> "delete-prefix('" + key + "')";
                case TXN -> txn.toString();
            };
        }
    }

    /** A comparison of a transaction: on the key's value, or on whether it exists. */
    public enum CondKind { VALUE_IS, EXISTS, ABSENT }

    public record Cond(String key, CondKind kind, String value) {
        public Cond {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(kind, "kind");
            if ((kind == CondKind.VALUE_IS) != (value != null)) {
                throw new IllegalArgumentException("a value comparison, and only one, has a value");
            }
        }

        public static Cond valueIs(String key, String value) {
            return new Cond(key, CondKind.VALUE_IS, value);
        }

        public static Cond exists(String key) {
            return new Cond(key, CondKind.EXISTS, null);
        }

        public static Cond absent(String key) {
            return new Cond(key, CondKind.ABSENT, null);
        }

        boolean holds(State s) {
            String v = s.get(key);
            return switch (kind) {
                case VALUE_IS -> value.equals(v);
                case EXISTS -> v != null;
                case ABSENT -> v == null;
            };
        }

        @Override
        public String toString() {
            return switch (kind) {
                case VALUE_IS -> key + "='" + value + "'";
                case EXISTS -> "exists(" + key + ")";
                case ABSENT -> "absent(" + key + ")";
            };
        }
    }

    public enum StepKind { PUT, GET, DELETE, DELETE_PREFIX }

    /** One operation of a transaction's branch; {@code key} is the prefix of a DELETE_PREFIX. */
    public record Step(StepKind kind, String key, String value) {
        public Step {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(key, "key");
            if ((kind == StepKind.PUT) != (value != null)) {
                throw new IllegalArgumentException("a put, and only a put, has a value");
            }
        }

        public static Step put(String key, String value) {
            return new Step(StepKind.PUT, key, value);
        }

        public static Step get(String key) {
            return new Step(StepKind.GET, key, null);
        }

        public static Step delete(String key) {
            return new Step(StepKind.DELETE, key, null);
        }

        public static Step deletePrefix(String prefix) {
            return new Step(StepKind.DELETE_PREFIX, prefix, null);
        }

        String group() {
            return kind == StepKind.DELETE_PREFIX ? prefixGroup(key) : groupOf(key);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case PUT -> "put(" + key + ", '" + value + "')";
                case GET -> "get(" + key + ")";
                case DELETE -> "delete(" + key + ")";
                case DELETE_PREFIX -> "delete-prefix('" + key + "')";
            };
        }
    }

    /** If every comparison holds, the success steps, else the failure steps; all at one point, inside one group. */
    public record Txn(List<Cond> compare, List<Step> success, List<Step> failure) {
        public Txn {
            compare = List.copyOf(compare);
            success = List.copyOf(success);
            failure = List.copyOf(failure);
            String group = null;
            List<String> groups = new ArrayList<>();
            compare.forEach(c -> groups.add(groupOf(c.key())));
            success.forEach(s -> groups.add(s.group()));
            failure.forEach(s -> groups.add(s.group()));
            if (groups.isEmpty()) {
                throw new IllegalArgumentException("a transaction names at least one key");
            }
            for (String g : groups) {
                if (group == null) {
                    group = g;
                } else if (!group.equals(g)) {
                    throw new IllegalArgumentException("a transaction must stay inside one group, not span '" + group
                            + "' and '" + g + "'");
                }
            }
        }

        String firstKey() {
            if (!compare.isEmpty()) {
                return compare.get(0).key();
            }
            return (success.isEmpty() ? failure : success).get(0).key();
        }

        @Override
        public String toString() {
            return "txn(if " + compare + " then " + success + " else " + failure + ")";
        }
    }

    /** The state of one group: an immutable sorted map from key to value. */
    public static final class State {
        private static final State EMPTY = new State(new TreeMap<>());

        private final TreeMap<String, String> map;
        private final int hash;

        private State(TreeMap<String, String> map) {
            this.map = map;
            this.hash = map.hashCode();
        }

        public static State empty() {
            return EMPTY;
        }

        public static State of(Map<String, String> entries) {
            return new State(new TreeMap<>(entries));
        }

        /** The value, or null when absent. */
        public String get(String key) {
            return map.get(key);
        }

        public State with(String key, String value) {
            TreeMap<String, String> m = new TreeMap<>(map);
            m.put(key, value);
            return new State(m);
        }

        public State without(String key) {
            if (!map.containsKey(key)) {
                return this;
            }
            TreeMap<String, String> m = new TreeMap<>(map);
            m.remove(key);
            return new State(m);
        }

        /** The keys under {@code prefix}, in key order. */
        public SortedMap<String, String> range(String prefix) {
            SortedMap<String, String> r = new TreeMap<>();
            for (Map.Entry<String, String> e : map.tailMap(prefix, true).entrySet()) {
                if (!e.getKey().startsWith(prefix)) {
                    break;
                }
                r.put(e.getKey(), e.getValue());
            }
            return Collections.unmodifiableSortedMap(r);
        }

        public State withoutPrefix(String prefix) {
            State s = this;
            for (String k : range(prefix).keySet()) {
                s = s.without(k);
            }
            return s;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && s.hash == hash && s.map.equals(map);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("{");
            map.forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append("='").append(v).append('\''));
            return b.append('}').toString();
        }
    }

    // ------------------------------------------------------------------ groups

    /** A key's group: what precedes its first '/', or the key itself. */
    public static String groupOf(String key) {
        int i = key.indexOf('/');
        return i < 0 ? key : key.substring(0, i);
    }

    private static String prefixGroup(String prefix) {
        int i = prefix.indexOf('/');
        if (i < 0) {
            throw new IllegalArgumentException("prefix '" + prefix + "' spans groups: it must contain '/'");
        }
        return prefix.substring(0, i);
    }

    // ------------------------------------------------------------------ outputs

    /** A range read's output: every key and value, in key order. */
    public static String rangeOutput(SortedMap<String, String> entries) {
        StringBuilder b = new StringBuilder("R");
        entries.forEach((k, v) -> item(item(b, k), v));
        return b.toString();
    }

    /** A prefix delete's output: how many keys it deleted. */
    public static String countOutput(long deleted) {
        return Long.toString(deleted);
    }

    /**
     * A transaction's output: which branch ran and each step's result, in order — {@link #PUT_RESULT} for a put, the
     * value for a get (null when absent), {@code "1"} or {@code "0"} for a delete, the count for a prefix delete.
     */
    public static String txnOutput(boolean succeeded, List<String> stepResults) {
        StringBuilder b = new StringBuilder(succeeded ? "S" : "F");
        for (String r : stepResults) {
            item(b, r);
        }
        return b.toString();
    }

    public static final String PUT_RESULT = "ok";

    private static StringBuilder item(StringBuilder b, String s) {
        return s == null ? b.append('!') : b.append(s.length()).append(':').append(s);
    }

    // ------------------------------------------------------------------ the model

    @Override
    public State initialState() {
        return State.empty();
    }

    @Override
    public Optional<State> step(State state, Input in, String output) {
        return switch (in.kind()) {
            case GET -> {
                String v = state.get(in.key());
                yield output == null || output.equals(v == null ? "" : v) ? Optional.of(state) : Optional.empty();
            }
            case PUT -> Optional.of(state.with(in.key(), in.value()));
            case APPEND -> {
                String v = state.get(in.key());
                yield Optional.of(state.with(in.key(), (v == null ? "" : v) + in.value()));
            }
            case RANGE -> output == null || output.equals(rangeOutput(state.range(in.key())))
                    ? Optional.of(state) : Optional.empty();
            case DELETE_PREFIX -> output == null || output.equals(countOutput(state.range(in.key()).size()))
                    ? Optional.of(state.withoutPrefix(in.key())) : Optional.empty();
            case TXN -> {
                Txn t = in.txn();
                boolean succeeded = true;
                for (Cond c : t.compare()) {
                    if (!c.holds(state)) {
                        succeeded = false;
                        break;
                    }
                }
                List<String> results = new ArrayList<>();
                State s = state;
                for (Step step : succeeded ? t.success() : t.failure()) {
                    switch (step.kind()) {
                        case PUT -> {
                            s = s.with(step.key(), step.value());
                            results.add(PUT_RESULT);
                        }
                        case GET -> results.add(s.get(step.key()));
                        case DELETE -> {
                            results.add(s.get(step.key()) == null ? "0" : "1");
                            s = s.without(step.key());
                        }
                        case DELETE_PREFIX -> {
                            results.add(countOutput(s.range(step.key()).size()));
                            s = s.withoutPrefix(step.key());
                        }
                    }
                }
                yield output == null || output.equals(txnOutput(succeeded, results)) ? Optional.of(s) : Optional.empty();
            }
        };
    }

    /** One part per group (a key without '/' is its own group). */
    @Override
    public List<List<Operation<Input, String>>> partition(List<Operation<Input, String>> history) {
        Map<String, List<Operation<Input, String>>> byGroup = new LinkedHashMap<>();
        for (Operation<Input, String> op : history) {
            byGroup.computeIfAbsent(op.input().group(), k -> new ArrayList<>()).add(op);
        }
        return new ArrayList<>(byGroup.values());
    }

    @Override
    public String describePart(List<Operation<Input, String>> part) {
        if (part.isEmpty()) {
            return "an empty part";
        }
        Input first = part.get(0).input();
        boolean oneKey = part.stream().allMatch(o -> o.input().kind() != Kind.TXN && o.input().key().equals(first.key()));
        return (oneKey ? "key '" + first.key() : "group '" + first.group()) + "' (" + part.size() + " operations)";
    }

    @Override
    public String describe(Operation<Input, String> op) {
        String out;
        if (op.outcomeUnknown()) {
            out = " -> outcome unknown";
        } else {
            out = switch (op.input().kind()) {
                case GET -> " -> '" + op.output() + "'";
                case PUT, APPEND -> " -> ok";
                case RANGE -> " -> " + showItems(op.output().substring(1), true);
                case DELETE_PREFIX -> " -> deleted " + op.output();
                case TXN -> " -> " + (op.output().startsWith("S") ? "succeeded " : "failed ")
                        + showItems(op.output().substring(1), false);
            };
        }
        return "client " + op.client() + ": " + op.input() + out;
    }

    /** Decodes the length-prefixed items of an output for a report. */
    private static String showItems(String s, boolean pairs) {
        List<String> items = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == '!') {
                items.add(null);
                i++;
                continue;
            }
            int colon = s.indexOf(':', i);
            int n = Integer.parseInt(s.substring(i, colon));
            items.add(s.substring(colon + 1, colon + 1 + n));
            i = colon + 1 + n;
        }
        StringBuilder b = new StringBuilder(pairs ? "{" : "[");
        for (int k = 0; k < items.size(); k += pairs ? 2 : 1) {
            b.append(k == 0 ? "" : ", ");
            if (pairs) {
                b.append(items.get(k)).append("='").append(items.get(k + 1)).append('\'');
            } else {
                b.append(items.get(k) == null ? "absent" : "'" + items.get(k) + "'");
            }
        }
        return b.append(pairs ? "}" : "]").toString();
    }

    @Override
    public String describeState(State state) {
        return state.toString();
    }
}
