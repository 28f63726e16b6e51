package io.tally.kv;

import io.tally.raft.StateMachine.Command;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Revisions, transactions, prefix deletes and leases, as the state machine applies them, and the events they make. */
class KvStoreTest {

    private final KvStateMachine kv = new KvStateMachine(Duration.ofMinutes(1));
    private final List<WatchEvent> events = new ArrayList<>();
    private long index;

    KvStoreTest() {
        kv.watches().watch(KeyFilter.prefix(""), 1, Runnable::run, events::addAll);
    }

    private KvResult run(KvCommand c) {
        index += 1 + index % 2; // revisions skip indexes (no-ops, configurations): nothing may assume they are dense
        return kv.apply(List.of(new Command(index, 1, c.encode()))).get(0);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String value(String key) {
        return new String(kv.get(key).orElseThrow().value(), StandardCharsets.UTF_8);
    }

    private List<String> eventsAt(long revision) {
        return events.stream().filter(e -> e.revision() == revision)
                .map(e -> e.type() + " " + e.key() + (e.value() == null ? "" : "=" + new String(e.value(), StandardCharsets.UTF_8)))
                .toList();
    }

    @Test
    void aKeyKnowsTheRevisionThatCreatedItAndTheOneThatLastWroteIt() {
        long r1 = run(KvCommand.put("a", b("1"))).revision();
        long r2 = run(KvCommand.append("a", b("2"))).revision();
        Versioned v = kv.get("a").orElseThrow();
        assertEquals(r2, v.version());
        assertEquals(r1, v.created());
        run(KvCommand.delete("a"));
        long r4 = run(KvCommand.put("a", b("3"))).revision();
        assertEquals(r4, kv.get("a").orElseThrow().created(), "re-created");
        assertEquals(r4, kv.view().revision());
        long r5 = run(KvCommand.delete("missing")).revision();
        assertEquals(r5, kv.view().revision(), "a command that changes nothing still moves the revision");
        assertEquals(List.of(), eventsAt(r5));
    }

    @Test
    void aTransactionAppliesOneBranchAtOneRevisionAndItsReadsSeeItsEarlierWrites() {
        run(KvCommand.put("a", b("1")));
        long va = kv.get("a").orElseThrow().version();
        run(KvCommand.put("d/1", b("x")));
        run(KvCommand.put("d/2", b("y")));
        KvResult r = run(KvCommand.txn(
                List.of(new Compare.VersionIs("a", va), new Compare.ValueIs("a", b("1")), new Compare.Exists("b", false)),
                List.of(new TxnOp.Put("b", b("new"), 0), new TxnOp.Get("b"), new TxnOp.Delete("a"), new TxnOp.DeletePrefix("d/"),
                        new TxnOp.Get("a")),
                List.of(new TxnOp.Put("failed", b("!"), 0))));
        assertEquals(KvResult.Status.OK, r.status());
        assertTrue(r.txn().succeeded());
        List<TxnOpResult> res = r.txn().results();
        assertEquals(new TxnOpResult.Put("b", r.revision()), res.get(0));
        assertArrayEquals(b("new"), ((TxnOpResult.Get) res.get(1)).value().value());
        assertEquals(new TxnOpResult.Delete("a", 1), res.get(2));
        assertEquals(new TxnOpResult.DeletePrefix("d/", 2), res.get(3));
        assertNull(((TxnOpResult.Get) res.get(4)).value());
        assertEquals(List.of("PUT b=new", "DELETE a", "DELETE d/1", "DELETE d/2"), eventsAt(r.revision()));
        assertEquals(1, kv.size());

        KvResult f = run(KvCommand.txn(List.of(new Compare.Exists("b", false)),
                List.of(new TxnOp.Put("never", b("!"), 0)), List.of(new TxnOp.Put("b", b("other"), 0), new TxnOp.Get("zz"))));
        assertFalse(f.txn().succeeded());
        assertEquals("other", value("b"));
        assertTrue(kv.get("never").isEmpty());
        assertEquals(List.of("PUT b=other"), eventsAt(f.revision()));
    }

    @Test
    void aTransactionNamingAMissingLeaseAppliesNothing() {
        run(KvCommand.put("a", b("1")));
        KvResult r = run(KvCommand.txn(List.of(), List.of(new TxnOp.Delete("a"), new TxnOp.Put("b", b("x"), 99)), List.of()));
        assertEquals(KvResult.Status.LEASE_NOT_FOUND, r.status());
        assertEquals("1", value("a"));
        assertTrue(kv.get("b").isEmpty());
        assertEquals(List.of(), eventsAt(r.revision()));
    }

    @Test
    void aPrefixDeleteRemovesTheWholeRangeAtOneRevision() {
        for (String k : List.of("a", "d/1", "d/2", "d/3", "d0", "e", "\uffffz", "\uffff\uffff")) {
            run(KvCommand.put(k, b(k)));
        }
        KvResult r = run(KvCommand.deletePrefix("d/"));
        assertEquals(3, r.count());
        assertEquals(List.of("DELETE d/1", "DELETE d/2", "DELETE d/3"), eventsAt(r.revision()));
        assertEquals(List.of("a", "d0", "e", "\uffffz", "\uffff\uffff"), kv.scan("", 10).stream().map(Map.Entry::getKey).toList());
        assertEquals(2, run(KvCommand.deletePrefix("\uffff")).count(), "a prefix whose range runs to the end");
        assertEquals(0, run(KvCommand.deletePrefix("zzz")).count());
        assertEquals(3, run(KvCommand.deletePrefix("")).count(), "the empty prefix is every key");
        assertEquals(0, kv.size());
    }

    @Test
    void aLeaseHoldsItsKeysAndTakesThemAllWhenItEnds() {
        long lease = run(KvCommand.grantLease(10_000)).revision();
        long other = run(KvCommand.grantLease(5_000)).revision();
        assertEquals(10_000, kv.view().lease(lease).orElseThrow().ttlMillis());
        run(KvCommand.put("a", b("1")).withLease(lease));
        run(KvCommand.put("b", b("1")).withLease(lease));
        run(KvCommand.put("c", b("1")).withLease(lease));
        run(KvCommand.append("a", b("2")));
        assertEquals(lease, kv.get("a").orElseThrow().lease(), "an append keeps the key's lease");
        run(KvCommand.put("b", b("2")));
        assertEquals(0, kv.get("b").orElseThrow().lease(), "a put without a lease detaches the key");
        run(KvCommand.put("c", b("2")).withLease(other));
        assertEquals(List.of("a"), List.copyOf(kv.view().lease(lease).orElseThrow().keys()));
        assertEquals(List.of("c"), List.copyOf(kv.view().lease(other).orElseThrow().keys()));

        KvResult missing = run(KvCommand.put("z", b("1")).withLease(12345));
        assertEquals(KvResult.Status.LEASE_NOT_FOUND, missing.status());
        assertTrue(kv.get("z").isEmpty());

        run(KvCommand.put("d", b("1")).withLease(lease));
        KvResult revoked = run(KvCommand.revokeLease(lease));
        assertEquals(2, revoked.count());
        assertEquals(List.of("DELETE a", "DELETE d"), eventsAt(revoked.revision()));
        assertTrue(events.stream().filter(e -> e.revision() == revoked.revision()).allMatch(e -> e.lease() == lease));
        assertTrue(kv.view().lease(lease).isEmpty());
        assertEquals(KvResult.Status.LEASE_NOT_FOUND, run(KvCommand.revokeLease(lease)).status());
        assertEquals(KvResult.Status.LEASE_NOT_FOUND, run(KvCommand.put("a", b("1")).withLease(lease)).status());

        KvResult expired = run(KvCommand.expireLease(other));
        assertEquals(1, expired.count());
        assertEquals(List.of("b"), kv.scan("", 10).stream().map(Map.Entry::getKey).toList());
    }

    @Test
    void aViewStaysAtItsRevisionWhileWritesGoOn() {
        for (int i = 0; i < 10; i++) {
            run(KvCommand.put("k" + i, b("v" + i)));
        }
        KvView before = kv.view();
        run(KvCommand.deletePrefix("k"));
        run(KvCommand.put("k5", b("changed")));
        assertEquals(10, before.size());
        assertEquals("v5", new String(before.get("k5").orElseThrow().value(), StandardCharsets.UTF_8));
        KvView.Page p1 = before.page("k", null, 4);
        assertEquals(List.of("k0", "k1", "k2", "k3"), p1.items().stream().map(Map.Entry::getKey).toList());
        assertTrue(p1.more());
        assertEquals(before.revision(), p1.revision());
        KvView.Page p3 = before.page("k", "k7", 4);
        assertEquals(List.of("k8", "k9"), p3.items().stream().map(Map.Entry::getKey).toList());
        assertFalse(p3.more());
        assertEquals(10, before.count("k"));
        assertEquals(1, kv.view().count("k"));
        assertEquals(0, before.count("x"));
    }

    @Test
    void aSnapshotCarriesLeasesCreationRevisionsHistoryAndTransactionResults() throws IOException {
        long s = run(KvCommand.register()).revision();
        long lease = run(KvCommand.grantLease(7_000)).revision();
        run(KvCommand.put("a", b("1")).withLease(lease));
        run(KvCommand.put("a", b("2")).withLease(lease));
        KvCommand txn = KvCommand.txn(List.of(new Compare.Exists("a", true)), List.of(new TxnOp.Get("a"),
                new TxnOp.Put("b", b("x"), 0)), List.of()).withSession(s, 1);
        KvResult first = run(txn);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        kv.snapshot().writeTo(out);

        KvStateMachine restored = new KvStateMachine(Duration.ofMinutes(1));
        restored.restore(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(kv.view().revision(), restored.view().revision());
        Versioned a = restored.get("a").orElseThrow();
        assertEquals(kv.get("a").orElseThrow().created(), a.created());
        assertEquals(lease, a.lease());
        assertEquals(List.of("a"), List.copyOf(restored.view().lease(lease).orElseThrow().keys()));
        assertEquals(7_000, restored.view().lease(lease).orElseThrow().ttlMillis());
        KvResult retry = restored.apply(List.of(new Command(index + 1, 1, txn.encode()))).get(0);
        assertEquals(first, retry, "the recorded transaction result, values and all");
        List<WatchEvent> replay = new ArrayList<>();
        restored.watches().watch(KeyFilter.prefix(""), 1, Runnable::run, replay::addAll);
        assertEquals(events.size(), replay.size(), "the history came along");
        assertEquals(events, replay);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        KvStateMachine second = new KvStateMachine(Duration.ofMinutes(1));
        second.restore(new ByteArrayInputStream(out.toByteArray()));
        second.snapshot().writeTo(again);
        assertArrayEquals(out.toByteArray(), again.toByteArray(), "restore and snapshot again: the same bytes");
    }
}
