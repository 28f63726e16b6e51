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
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    // ------------------------------------------------------------------ groups: transactions and ranges

    private static String range(String... kv) {
        java.util.SortedMap<String, String> m = new java.util.TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return KvModel.rangeOutput(m);
    }

    private static String txnOut(boolean succeeded, String... results) {
        return KvModel.txnOutput(succeeded, java.util.Arrays.asList(results));
    }

    /** if g/a = 'from' then put g/a = 'to', put g/b = 'to' else get g/a. */
    private static Input move(String from, String to) {
        return Input.txn(new KvModel.Txn(List.of(KvModel.Cond.valueIs("g/a", from)),
                List.of(KvModel.Step.put("g/a", to), KvModel.Step.put("g/b", to)), List.of(KvModel.Step.get("g/a"))));
    }

    @Test
    void aRangeReadThatSeesHalfOfATransactionIsAViolation() {
        List<Operation<Input, String>> before = List.of(
                op(1, Input.put("g/a", "0"), "ok", 0, 1),
                op(1, Input.put("g/b", "0"), "ok", 2, 3),
                op(1, move("0", "1"), txnOut(true, "ok", "ok"), 4, 20));
        List<Operation<Input, String>> h = new ArrayList<>(before);
        h.add(op(2, Input.range("g/"), range("g/a", "1", "g/b", "0"), 10, 30)); // concurrent, but half of it
        LinearizabilityChecker.Result r = check(h);
        assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, r.verdict());
        assertTrue(r.report().contains("range('g/') -> {g/a='1', g/b='0'}"), r.report());
        assertTrue(r.report().contains("group 'g'"), r.report());
        for (String seen : List.of(range("g/a", "0", "g/b", "0"), range("g/a", "1", "g/b", "1"))) {
            List<Operation<Input, String>> ok = new ArrayList<>(before);
            ok.add(op(2, Input.range("g/"), seen, 10, 30)); // all of it or none of it
            assertTrue(check(ok).ok(), seen);
        }
    }

    @Test
    void aTransactionWhoseComparisonContradictsTheStateIsAViolation() {
        LinearizabilityChecker.Result r = check(List.of(
                op(1, Input.put("g/a", "0"), "ok", 0, 1),
                op(2, move("0", "1"), txnOut(false, "0"), 2, 3))); // g/a was '0': the comparison held
        assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, r.verdict());
        assertTrue(r.report().contains("-> failed ['0']"), r.report());
        assertTrue(check(List.of(
                op(1, Input.put("g/a", "0"), "ok", 0, 1),
                op(2, move("0", "1"), txnOut(true, "ok", "ok"), 2, 3),
                op(2, Input.get("g/b"), "1", 4, 5))).ok());
        assertTrue(!check(List.of(
                op(1, Input.put("g/a", "0"), "ok", 0, 1),
                op(2, move("0", "1"), txnOut(true, "ok", "ok"), 2, 3),
                op(2, Input.get("g/b"), "", 4, 5))).ok(), "the success branch's writes happened");
    }

    @Test
    void aTransactionsGetsSeeItsOwnEarlierWritesAndAbsenceIsNotEmpty() {
        Input t = Input.txn(new KvModel.Txn(List.of(KvModel.Cond.absent("g/c")),
                List.of(KvModel.Step.get("g/c"), KvModel.Step.put("g/c", ""), KvModel.Step.get("g/c"),
                        KvModel.Step.delete("g/c"), KvModel.Step.delete("g/c")),
                List.of()));
        assertTrue(check(List.of(op(1, t, txnOut(true, null, "ok", "", "1", "0"), 0, 1))).ok());
        assertTrue(!check(List.of(op(1, t, txnOut(true, "", "ok", "", "1", "0"), 0, 1))).ok(), "absent is not ''");
        assertTrue(!check(List.of(op(1, t, txnOut(true, null, "ok", "", "1", "1"), 0, 1))).ok(), "deleted once");
    }

    @Test
    void aPrefixDeleteRemovesTheWholeRangeAtOnePoint() {
        List<Operation<Input, String>> writes = List.of(
                op(1, Input.put("g/a", "1"), "ok", 0, 1),
                op(1, Input.put("g/b", "2"), "ok", 2, 3),
                op(1, Input.put("h/a", "3"), "ok", 4, 5));
        List<Operation<Input, String>> h = new ArrayList<>(writes);
        h.add(op(1, Input.deletePrefix("g/"), "2", 6, 20));
        h.add(op(2, Input.range("g/"), range("g/b", "2"), 10, 15));
        assertTrue(!check(h).ok(), "a range read concurrent with the delete sees all of the range or none of it");
        h.set(h.size() - 1, op(2, Input.range("g/"), range("g/a", "1", "g/b", "2"), 10, 15));
        assertTrue(check(h).ok());
        h.add(op(2, Input.get("g/a"), "1", 21, 22));
        assertTrue(!check(h).ok(), "after the delete returned, the key is gone");
        List<Operation<Input, String>> wrongCount = new ArrayList<>(writes);
        wrongCount.add(op(1, Input.deletePrefix("g/"), "3", 6, 20));
        assertTrue(!check(wrongCount).ok(), "the other group's key is not in the range");
        List<Operation<Input, String>> other = new ArrayList<>(writes);
        other.add(op(1, Input.deletePrefix("g/"), "2", 6, 20));
        other.add(op(2, Input.get("h/a"), "3", 21, 22));
        assertTrue(check(other).ok());
    }

    @Test
    void aTransactionWithUnknownOutcomeHappenedAtMostOnceAndWhole() {
        List<Operation<Input, String>> h = new ArrayList<>(List.of(
                op(1, Input.put("g/a", "0"), "ok", 0, 1),
                op(1, Input.put("g/b", "0"), "ok", 2, 3),
                Operation.unknown(1, move("0", "1"), 4)));
        h.add(op(2, Input.range("g/"), range("g/a", "0", "g/b", "0"), 10, 11));
        h.add(op(2, Input.range("g/"), range("g/a", "1", "g/b", "1"), 12, 13));
        assertTrue(check(h).ok());
        h.add(op(2, Input.get("g/b"), "0", 14, 15));
        assertTrue(!check(h).ok());
    }

    @Test
    void rangesAndTransactionsStayInsideOneGroup() {
        assertThrows(IllegalArgumentException.class, () -> Input.range("g"));
        assertThrows(IllegalArgumentException.class, () -> new KvModel.Txn(List.of(KvModel.Cond.exists("g/a")),
                List.of(KvModel.Step.put("h/a", "x")), List.of()));
        assertEquals("g", Input.range("g/x").group());
        assertEquals("k7", Input.get("k7").group());
        assertEquals(2, KV.partition(List.of(
                op(1, Input.put("g/a", "1"), "ok", 0, 1),
                op(1, Input.range("g/"), range("g/a", "1"), 2, 3),
                op(1, Input.put("k1", "1"), "ok", 4, 5))).size());
    }

    /**
     * A linearizable history by construction on groups of three keys: puts, appends, gets, range reads, prefix deletes
     * and transactions, each taking effect at a random point inside its interval, some writes of unknown outcome.
     */
    static List<Operation<Input, String>> generatedGroups(long seed, int clients, int groups, int total) {
        SplittableRandom rnd = new SplittableRandom(seed);
        record Planned(int client, Input in, long call, long point, long ret, boolean unknown) {
        }
        List<Planned> planned = new ArrayList<>();
        long[] clock = new long[clients];
        String[] names = {"a", "b", "c"};
        for (int i = 0; i < total; i++) {
            int c = i % clients;
            long call = clock[c] + rnd.nextInt(1, 5);
            long point = call + rnd.nextInt(0, 20);
            long ret = point + rnd.nextInt(0, 20);
            clock[c] = ret;
            String g = "g" + rnd.nextInt(groups) + "/";
            String key = g + names[rnd.nextInt(3)];
            int kind = rnd.nextInt(10);
            Input in = switch (kind) {
                case 0, 1 -> Input.get(key);
                case 2 -> Input.put(key, "p" + i);
                case 3 -> Input.append(key, "x" + i);
                case 4, 5 -> Input.range(g);
                case 6 -> Input.deletePrefix(rnd.nextBoolean() ? g : key);
                default -> Input.txn(new KvModel.Txn(
                        List.of(rnd.nextBoolean() ? KvModel.Cond.exists(g + "a") : KvModel.Cond.valueIs(g + "b", "p" + (i - 5))),
                        List.of(KvModel.Step.put(g + "a", "t" + i), KvModel.Step.get(g + "b"), KvModel.Step.delete(g + "c")),
                        List.of(KvModel.Step.get(g + "a"), KvModel.Step.put(g + "b", "f" + i))));
            };
            planned.add(new Planned(c, in, call, point, ret, in.isWrite() && rnd.nextInt(20) == 0));
        }
        planned.sort(Comparator.comparingLong(Planned::point));
        Map<String, KvModel.State> state = new HashMap<>();
        List<Operation<Input, String>> history = new ArrayList<>();
        for (Planned p : planned) {
            KvModel.State s = state.getOrDefault(p.in().group(), KvModel.State.empty());
            String out = expectedOutput(s, p.in());
            state.put(p.in().group(), KV.step(s, p.in(), null).orElseThrow());
            history.add(p.unknown() ? Operation.unknown(p.client(), p.in(), p.call())
                    : op(p.client(), p.in(), out, p.call(), p.ret()));
        }
        history.sort(Comparator.comparingLong(Operation::callTime));
        return history;
    }

    /** What the model answers {@code in} in state {@code s}: the one output its step accepts (found by asking it). */
    private static String expectedOutput(KvModel.State s, Input in) {
        return switch (in.kind()) {
            case GET -> s.get(in.key()) == null ? "" : s.get(in.key());
            case PUT, APPEND -> "ok";
            case RANGE -> KvModel.rangeOutput(s.range(in.key()));
            case DELETE_PREFIX -> KvModel.countOutput(s.range(in.key()).size());
            case TXN -> {
                for (boolean succeeded : new boolean[] {true, false}) {
                    List<String> results = new ArrayList<>();
                    KvModel.State t = s;
                    for (KvModel.Step step : succeeded ? in.txn().success() : in.txn().failure()) {
                        switch (step.kind()) {
                            case PUT -> {
                                results.add(KvModel.PUT_RESULT);
                                t = t.with(step.key(), step.value());
                            }
                            case GET -> results.add(t.get(step.key()));
                            case DELETE -> {
                                results.add(t.get(step.key()) == null ? "0" : "1");
                                t = t.without(step.key());
                            }
                            case DELETE_PREFIX -> {
                                results.add(KvModel.countOutput(t.range(step.key()).size()));
                                t = t.withoutPrefix(step.key());
                            }
                        }
                    }
                    String out = KvModel.txnOutput(succeeded, results);
                    if (KV.step(s, in, out).isPresent()) {
                        yield out;
                    }
                }
                throw new IllegalStateException("no branch fits " + in);
            }
        };
    }

    @Test
    void fiveThousandGroupOperationsWithTransactionsAndRangesFromFiveClients() {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong());
        System.out.println("LinearizabilityCheckerTest (groups) seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
        List<Operation<Input, String>> h = generatedGroups(seed, 5, 6, 5_000);
        long t0 = System.nanoTime();
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(KV, h, Duration.ofSeconds(60));
        System.out.printf("checked 5,000 group operations (6 groups of 3 keys, 5 clients) in %d ms: %s%n",
                (System.nanoTime() - t0) / 1_000_000, r.verdict());
        assertTrue(r.ok(), r.report());
        // One range read changed to see a key with a value never written: the same history is now a violation.
        List<Operation<Input, String>> bad = new ArrayList<>(h);
        for (int i = bad.size() / 2; i < bad.size(); i++) {
            Operation<Input, String> o = bad.get(i);
            if (o.input().kind() == KvModel.Kind.RANGE && !o.outcomeUnknown()) {
                java.util.SortedMap<String, String> seen = new java.util.TreeMap<>();
                seen.put(o.input().key() + "z", "never written");
                String altered = KvModel.rangeOutput(seen);
                bad.set(i, op(o.client(), o.input(), o.output() + altered.substring(1), o.callTime(), o.returnTime()));
                break;
            }
        }
        LinearizabilityChecker.Result broken = LinearizabilityChecker.check(KV, bad, Duration.ofSeconds(60));
        assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, broken.verdict(), broken.report());
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
                default -> throw new IllegalStateException("not generated: " + p.in());
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
