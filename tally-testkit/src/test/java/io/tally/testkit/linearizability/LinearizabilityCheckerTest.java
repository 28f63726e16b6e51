package io.tally.testkit.linearizability;

import io.tally.testkit.linearizability.KvModel.Input;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearizabilityCheckerTest {

    private static final KvModel KV = new KvModel();

    private static Operation<Input, String> op(int client, Input in, String out, long call, long ret) {
        return new Operation<>(client, in, out, call, ret);
    }

    private static LinearizabilityChecker.Result check(List<Operation<Input, String>> h) {
        return LinearizabilityChecker.check(KV, h, Duration.ofSeconds(30));
    }

    @Test
    void aSequentialHistoryThatFollowsTheModelIsLinearizable() {
        assertTrue(check(List.of(
                op(1, Input.put("x", "a"), "ok", 0, 1),
                op(1, Input.append("x", "b"), "ok", 2, 3),
                op(2, Input.get("x"), "ab", 4, 5),
                op(2, Input.get("y"), "", 6, 7))).ok());
    }

    @Test
    void aReadThatMissesACompletedWriteIsAViolationWithAReport() {
        LinearizabilityChecker.Result r = check(List.of(
                op(1, Input.put("x", "a"), "ok", 0, 10),
                op(2, Input.get("x"), "", 20, 30)));
        assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, r.verdict());
        assertTrue(r.report().contains("get(x) -> ''"), r.report());
        assertTrue(r.report().contains("put(x, 'a')"), r.report());
    }

    @Test
    void concurrentOperationsMayTakeEffectInEitherOrder() {
        for (String seen : List.of("", "a")) {
            assertTrue(check(List.of(
                    op(1, Input.put("x", "a"), "ok", 0, 10),
                    op(2, Input.get("x"), seen, 5, 15))).ok(), seen);
        }
        for (String seen : List.of("xy", "yx")) {
            assertTrue(check(List.of(
                    op(1, Input.append("k", "x"), "ok", 0, 10),
                    op(2, Input.append("k", "y"), "ok", 0, 10),
                    op(3, Input.get("k"), seen, 11, 12))).ok(), seen);
        }
        assertTrue(!check(List.of(
                op(1, Input.append("k", "x"), "ok", 0, 10),
                op(2, Input.append("k", "y"), "ok", 0, 10),
                op(3, Input.get("k"), "xx", 11, 12))).ok());
    }

    @Test
    void readsOrderedInRealTimeMustNotGoBackwards() {
        // Both reads are concurrent with the write, but the first returned before the second was called:
        // seeing the new value and then the old one is not linearizable.
        assertTrue(!check(List.of(
                op(1, Input.put("x", "new"), "ok", 0, 100),
                op(2, Input.get("x"), "new", 10, 20),
                op(3, Input.get("x"), "", 30, 40))).ok());
    }

    @Test
    void aWriteWithUnknownOutcomeMayOrMayNotHaveHappened() {
        assertTrue(check(List.of(
                Operation.unknown(1, Input.put("x", "b"), 0),
                op(2, Input.get("x"), "b", 50, 60),
                op(2, Input.get("x"), "b", 70, 80))).ok(), "it happened");
        assertTrue(check(List.of(
                Operation.unknown(1, Input.put("x", "b"), 0),
                op(2, Input.get("x"), "", 50, 60))).ok(), "it did not (yet)");
        assertTrue(!check(List.of(
                Operation.unknown(1, Input.put("x", "b"), 0),
                op(2, Input.get("x"), "b", 50, 60),
                op(2, Input.get("x"), "", 70, 80))).ok(), "but not both");
        assertTrue(!check(List.of(
                Operation.unknown(1, Input.put("x", "b"), 100),
                op(2, Input.get("x"), "b", 10, 20))).ok(), "and never before its call");
    }

    @Test
    void keysAreIndependent() {
        LinearizabilityChecker.Result r = check(List.of(
                op(1, Input.put("a", "1"), "ok", 0, 10),
                op(1, Input.put("b", "2"), "ok", 11, 20),
                op(2, Input.get("b"), "2", 21, 30),
                op(2, Input.get("a"), "0", 31, 40)));
        assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, r.verdict());
        assertTrue(r.report().contains("get(a) -> '0'"), r.report());
    }

    /** A linearizable history by construction: each operation takes effect at a random point inside its interval. */
    static List<Operation<Input, String>> generated(long seed, int clients, int keys, int total) {
        SplittableRandom rnd = new SplittableRandom(seed);
        record Planned(int client, Input in, long call, long point, long ret) {
        }
        List<Planned> planned = new ArrayList<>();
        long[] clock = new long[clients];
        for (int i = 0; i < total; i++) {
            int c = i % clients;
            long call = clock[c] + rnd.nextInt(1, 5);
            long point = call + rnd.nextInt(0, 20);
            long ret = point + rnd.nextInt(0, 20);
            clock[c] = ret;
            String key = "k" + rnd.nextInt(keys);
            int kind = rnd.nextInt(10);
            Input in = kind < 5 ? Input.get(key) : kind < 8 ? Input.append(key, "x" + c + "." + i + "y")
                    : Input.put(key, "p" + i);
            planned.add(new Planned(c, in, call, point, ret));
        }
        planned.sort(Comparator.comparingLong(Planned::point));
        Map<String, String> state = new HashMap<>();
        List<Operation<Input, String>> history = new ArrayList<>();
        for (Planned p : planned) {
            String cur = state.getOrDefault(p.in().key(), "");
            String out = switch (p.in().kind()) {
                case GET -> cur;
                case PUT -> {
                    state.put(p.in().key(), p.in().value());
                    yield "ok";
                }
                case APPEND -> {
                    state.put(p.in().key(), cur + p.in().value());
                    yield "ok";
                }
            };
            history.add(op(p.client(), p.in(), out, p.call(), p.ret()));
        }
        history.sort(Comparator.comparingLong(Operation::callTime));
        return history;
    }

    @Test
    void tenThousandOperationsOnTenKeysFromFiveClients() {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong());
        System.out.println("LinearizabilityCheckerTest seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
        List<Operation<Input, String>> h = generated(seed, 5, 10, 10_000);
        long t0 = System.nanoTime();
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(KV, h, Duration.ofSeconds(60));
        System.out.printf("checked 10,000 operations (10 keys, 5 clients) in %d ms: %s%n",
                (System.nanoTime() - t0) / 1_000_000, r.verdict());
        assertTrue(r.ok(), r.report());
        // One read changed to a value never written anywhere: the same history is now a violation.
        List<Operation<Input, String>> bad = new ArrayList<>(h);
        for (int i = bad.size() / 2; i < bad.size(); i++) {
            Operation<Input, String> o = bad.get(i);
            if (o.input().kind() == KvModel.Kind.GET) {
                bad.set(i, op(o.client(), o.input(), o.output() + "!", o.callTime(), o.returnTime()));
                break;
            }
        }
        assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, LinearizabilityChecker.check(KV, bad, Duration.ofSeconds(60)).verdict());
    }
}
