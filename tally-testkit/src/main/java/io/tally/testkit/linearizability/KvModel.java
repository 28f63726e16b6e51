package io.tally.testkit.linearizability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A key/value store with get, put and append on string values (the course's key/value service); a key that
 * was never written reads as the empty string. Partitioned by key.
 */
public final class KvModel implements Model<String, KvModel.Input, String> {

    public enum Kind { GET, PUT, APPEND }

    public record Input(Kind kind, String key, String value) {
        public static Input get(String key) {
            return new Input(Kind.GET, key, null);
        }

        public static Input put(String key, String value) {
            return new Input(Kind.PUT, key, value);
        }

        public static Input append(String key, String value) {
            return new Input(Kind.APPEND, key, value);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case GET -> "get(" + key + ")";
                case PUT -> "put(" + key + ", '" + value + "')";
                case APPEND -> "append(" + key + ", '" + value + "')";
            };
        }
    }

    @Override
    public String initialState() {
        return "";
    }

    @Override
    public Optional<String> step(String state, Input in, String output) {
        return switch (in.kind()) {
            case GET -> output == null || Objects.equals(output, state) ? Optional.of(state) : Optional.empty();
            case PUT -> Optional.of(in.value());
            case APPEND -> Optional.of(state + in.value());
        };
    }

    @Override
    public List<List<Operation<Input, String>>> partition(List<Operation<Input, String>> history) {
        Map<String, List<Operation<Input, String>>> byKey = new LinkedHashMap<>();
        for (Operation<Input, String> op : history) {
            byKey.computeIfAbsent(op.input().key(), k -> new ArrayList<>()).add(op);
        }
        return new ArrayList<>(byKey.values());
    }

    @Override
    public String describePart(List<Operation<Input, String>> part) {
        return "key '" + (part.isEmpty() ? "" : part.get(0).input().key()) + "' (" + part.size() + " operations)";
    }

    @Override
    public String describe(Operation<Input, String> op) {
        String out = op.input().kind() == Kind.GET ? " -> '" + op.output() + "'" : (op.outcomeUnknown() ? " -> outcome unknown" : " -> ok");
        if (op.outcomeUnknown() && op.input().kind() == Kind.GET) {
            out = " -> outcome unknown";
        }
        return "client " + op.client() + ": " + op.input() + out;
    }

    @Override
    public String describeState(String state) {
        return "'" + state + "'";
    }
}
