package io.tally.server;

import io.tally.client.Comparison;
import io.tally.client.Consistency;
import io.tally.client.Count;
import io.tally.client.KeyValue;
import io.tally.client.Lease;
import io.tally.client.LeaseGrant;
import io.tally.client.LeaseLostException;
import io.tally.client.LeaseNotFoundException;
import io.tally.client.LeaseRevoked;
import io.tally.client.LeaseStatus;
import io.tally.client.Lookup;
import io.tally.client.OpResult;
import io.tally.client.Operation;
import io.tally.client.Page;
import io.tally.client.Range;
import io.tally.client.RangeDeleted;
import io.tally.client.TallyClient;
import io.tally.client.TallyException;
import io.tally.client.Txn;
import io.tally.client.TxnResult;
import io.tally.client.Watch;
import io.tally.client.WatchEvent;
import io.tally.kv.KvBackup;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's key/value API against a live three-node cluster in this JVM: revisions, range pages, counts, prefix
 * deletes, transactions, leases and their keep-alive handle, blocking queries, watches (resuming when the serving node
 * stops) and backups.
 */
@Timeout(180)
class TallyClientKvTest {

    private static InProcessCluster cluster;
    private static int leader;

    @BeforeAll
    static void start() throws Exception {
        cluster = new InProcessCluster(3);
        leader = cluster.awaitLeader();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static TallyClient client() {
        int follower = (leader + 1) % 3;
        return TallyClient.builder().endpoints(cluster.http(follower), cluster.http(leader), cluster.http((leader + 2) % 3))
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsCarryTheRevisionAndKeysTheirCreationRevision() {
        try (TallyClient c = client()) {
            long v1 = c.put("rev/a", b("1"));
            long v2 = c.put("rev/a", b("2"));
            Lookup l = c.lookup("rev/a");
            KeyValue kv = l.value().orElseThrow();
            assertEquals(v2, kv.version());
            assertEquals(v1, kv.created());
            assertTrue(l.revision() >= v2, l.toString());
            Lookup absent = c.lookup("rev/none");
            assertFalse(absent.exists());
            assertTrue(absent.revision() >= v2);
        }
    }

    @Test
    void rangesComeInPagesInKeyOrderWithKeysOnlyAndCounts() {
        try (TallyClient c = client()) {
            for (int i = 0; i < 25; i++) {
                c.put(String.format("page/%02d", i), b("v" + i));
            }
            c.put("pagf", b("outside"));
            List<String> keys = new ArrayList<>();
            Page p = c.range(Range.prefix("page/").limit(10));
            assertEquals(10, p.items().size());
            assertTrue(p.more());
            keys.addAll(p.items().stream().map(KeyValue::key).toList());
            while (p.more()) {
                p = c.range(Range.prefix("page/").limit(10).after(p.lastKey().orElseThrow()));
                keys.addAll(p.items().stream().map(KeyValue::key).toList());
            }
            assertEquals(25, keys.size());
            assertEquals(keys.stream().sorted().toList(), keys, "key order");
            assertEquals("page/00", keys.get(0));
            Page keysOnly = c.range(Range.prefix("page/").keysOnly().limit(3).consistency(Consistency.STALE));
            assertEquals(0, keysOnly.items().get(0).value().length);
            assertTrue(keysOnly.items().get(0).version() > 0);
            Count n = c.count("page/");
            assertEquals(25, n.count());
            assertTrue(n.revision() > 0);
            assertThrows(IllegalArgumentException.class, () -> Range.prefix("x").limit(Range.MAX_LIMIT + 1));
        }
    }

    @Test
    void aPrefixDeleteRemovesEveryKeyUnderItAtOneRevision() {
        try (TallyClient c = client()) {
            for (int i = 0; i < 5; i++) {
                c.put("gone/" + i, b("x"));
            }
            c.put("gonex", b("stays"));
            RangeDeleted d = c.deletePrefix("gone/");
            assertEquals(5, d.deleted());
            assertEquals(0, c.count("gone/").count());
            assertTrue(c.get("gonex").isPresent());
            assertEquals(0, c.deletePrefix("gone/").deleted());
            assertThrows(IllegalArgumentException.class, () -> c.deletePrefix(""));
            assertTrue(d.revision() > 0);
        }
    }

    @Test
    void aTransactionRunsOneBranchAtOneRevisionWithTypedResults() {
        try (TallyClient c = client()) {
            long v = c.put("txn/a", b("1"));
            c.put("txn/p/1", b("x"));
            c.put("txn/p/2", b("y"));
            TxnResult ok = c.txn(Txn.builder()
                    .compare(Comparison.version("txn/a", v), Comparison.value("txn/a", "1"), Comparison.absent("txn/b"))
                    .onSuccess(Operation.put("txn/b", "2"), Operation.get("txn/a"), Operation.delete("txn/a"),
                            Operation.deletePrefix("txn/p/"), Operation.get("txn/none"))
                    .onFailure(Operation.get("txn/a"))
                    .build());
            assertTrue(ok.succeeded());
            assertEquals(5, ok.results().size());
            assertEquals(ok.revision(), ((OpResult.Put) ok.results().get(0)).version(), "the writes are at the txn's revision");
            assertEquals("1", ((OpResult.Get) ok.results().get(1)).value().orElseThrow().valueAsString());
            assertTrue(((OpResult.Delete) ok.results().get(2)).deleted());
            assertEquals(2, ((OpResult.DeletePrefix) ok.results().get(3)).deleted());
            assertEquals(Optional.empty(), ((OpResult.Get) ok.results().get(4)).value());
            assertEquals(ok.revision(), c.get("txn/b").orElseThrow().version());

            TxnResult failed = c.txn(Txn.builder().compare(Comparison.exists("txn/a"))
                    .onSuccess(Operation.put("txn/never", "x")).onFailure(Operation.get("txn/b")).build());
            assertFalse(failed.succeeded());
            assertEquals("2", ((OpResult.Get) failed.results().get(0)).value().orElseThrow().valueAsString());
            assertTrue(c.get("txn/never").isEmpty());

            List<Operation> many = new ArrayList<>();
            for (int i = 0; i <= Txn.MAX_OPS; i++) {
                many.add(Operation.put("txn/m" + i, "x"));
            }
            TallyException e = assertThrows(TallyException.class,
                    () -> c.txn(Txn.builder().onSuccess(many.toArray(Operation[]::new)).build()));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains("success"), e.getMessage());
            assertTrue(c.get("txn/m0").isEmpty(), "a refused transaction applies nothing");
        }
    }

    @Test
    void aTransactionReadsFromJsonAsTheApiTakesIt() {
        Txn t = Txn.fromJson(b("{\"compare\": [{\"key\": \"a\", \"version\": 3}, {\"key\": \"b\", \"value\": \"eA==\"},"
                + " {\"key\": \"c\", \"exists\": false}], \"success\": [{\"op\": \"put\", \"key\": \"a\", \"value\": \"eQ==\","
                + " \"lease\": \"7\"}, {\"op\": \"get\", \"key\": \"b\"}], \"failure\": [{\"op\": \"delete-prefix\", \"prefix\": \"p\"}]}"));
        assertEquals(List.of(Comparison.version("a", 3), Comparison.value("b", "x"), Comparison.absent("c")), t.compare());
        assertEquals(List.of(Operation.put("a", b("y"), 7), Operation.get("b")), t.success());
        assertEquals(t, Txn.fromJson(t.toJson()), "round trip");
        for (String bad : List.of("[]", "{\"compare\": 1}", "{\"extra\": []}", "{\"compare\": [{\"key\": \"a\"}]}",
                "{\"success\": [{\"op\": \"frob\", \"key\": \"a\"}]}", "{\"success\": [{\"op\": \"put\", \"key\": \"a\"}]}",
                "{\"success\": [{\"op\": \"put\", \"key\": \"a\", \"value\": \"!!\"}]}", "not json")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Txn.fromJson(b(bad)), bad);
            assertFalse(e.getMessage().isBlank());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Txn.fromJson(b("{\"success\": [{\"op\": \"get\"}, {\"op\": \"get\", \"key\": \"a\", \"x\": 1}]}")));
        assertTrue(e.getMessage().startsWith("success[0]"), e.getMessage());
    }

    @Test
    void leasesAreGrantedShownKeptAliveAndRevokedWithTheirKeys() {
        try (TallyClient c = client()) {
            LeaseGrant g = c.grantLease(Duration.ofSeconds(30));
            assertEquals(Duration.ofSeconds(30), g.ttl());
            long v = c.put("lease/a", b("1"), -1, g.id(), Duration.ofSeconds(10));
            assertEquals(g.id(), c.lookup("lease/a").value().orElseThrow().lease());
            assertEquals(Duration.ofSeconds(30), c.keepAliveOnce(g.id()));
            LeaseStatus s = c.leaseStatus(g.id());
            assertEquals(List.of("lease/a"), s.keys());
            assertTrue(s.remaining().compareTo(s.ttl()) <= 0);
            LeaseRevoked r = c.revokeLease(g.id());
            assertEquals(1, r.deletedKeys());
            assertTrue(r.revision() > v);
            assertTrue(c.get("lease/a").isEmpty());
            assertThrows(LeaseNotFoundException.class, () -> c.keepAliveOnce(g.id()));
            assertThrows(LeaseNotFoundException.class, () -> c.leaseStatus(g.id()));
            assertThrows(LeaseNotFoundException.class, () -> c.revokeLease(g.id()));
            assertThrows(LeaseNotFoundException.class, () -> c.put("lease/b", b("x"), -1, g.id(), Duration.ofSeconds(10)));
            assertTrue(c.get("lease/b").isEmpty(), "nothing applied");
            assertEquals(Duration.ofSeconds(2), c.grantLease(Duration.ofMillis(10)).ttl(), "raised to the minimum");
        }
    }

    @Test
    void aLeaseHandleKeepsItsKeysPastTheTtlAndReportsTheLossWhenRevoked() throws Exception {
        try (TallyClient c = client()) {
            Lease lease = c.newLease(Duration.ofSeconds(2));
            c.put("handle/a", b("1"), lease);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // Past two TTLs, the key is still there: the handle renewed the lease in the background.
            Poll.until("two and a half TTLs pass with the key in place", Duration.ofSeconds(30), () -> {
                assertTrue(c.get("handle/a").isPresent(), "the key outlived its lease's TTL only if kept alive");
                return System.nanoTime() > until;
            });
            assertTrue(lease.isKeptAlive());
            assertFalse(lease.lost().isDone());
            c.revokeLease(lease.id()); // from elsewhere: the handle learns it at its next keep-alive
            LeaseLostException lost = lease.lost().get(20, TimeUnit.SECONDS);
            assertTrue(lost.expired(), lost.getMessage());
            assertEquals(lease.id(), lost.leaseId());
            assertFalse(lease.isKeptAlive());
            assertTrue(c.get("handle/a").isEmpty());

            Lease closed = c.newLease(Duration.ofSeconds(2));
            c.put("handle/b", b("1"), closed);
            closed.close();
            assertTrue(closed.lost().isCancelled(), "closed, not lost");
            Poll.until("an abandoned lease expires with its key", Duration.ofSeconds(30), () -> c.get("handle/b").isEmpty());
        }
    }

    @Test
    void aBlockingQueryAnswersOnTheNextChangeOrWhenItsWaitRunsOut() throws Exception {
        try (TallyClient c = client(); TallyClient writer = client()) {
            long v = c.put("block/k", b("1"));
            Lookup now = c.lookup("block/k");
            CompletableFuture<Lookup> waiting = c.awaitChangeAsync("block/k", now.revision(), Duration.ofMinutes(1));
            writer.put("block/other", b("x")); // another key: no answer yet
            long v2 = writer.put("block/k", b("2"));
            Lookup changed = waiting.get(30, TimeUnit.SECONDS);
            assertEquals("2", changed.value().orElseThrow().valueAsString());
            assertEquals(v2, changed.value().get().version());
            assertTrue(v2 > v);
            Lookup quiet = c.awaitChange("block/k", changed.revision(), Duration.ofMillis(300));
            assertEquals(v2, quiet.value().orElseThrow().version(), "the wait ran out: the current state");

            Page page = c.range(Range.prefix("block/"));
            CompletableFuture<Page> pageWait = c.awaitChangeAsync(Range.prefix("block/"), page.revision(), Duration.ofMinutes(1));
            writer.put("block/new", b("n"));
            assertEquals(3, pageWait.get(30, TimeUnit.SECONDS).items().size());
            assertThrows(IllegalArgumentException.class, () -> c.awaitChange("block/k", 0, Duration.ofMinutes(11)));
        }
    }

    /** Collects a watch's events. */
    private static final class Collector implements Flow.Subscriber<WatchEvent> {
        final List<WatchEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        volatile Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(WatchEvent e) {
            events.add(e);
        }

        @Override
        public void onError(Throwable t) {
            error.complete(t);
        }

        @Override
        public void onComplete() {
            error.complete(new AssertionError("a watch never completes"));
        }
    }

    @Test
    void aWatchDeliversEveryWriteUnderItsPrefixOnceInOrderAndReplaysFromARevision() {
        try (TallyClient c = client()) {
            long start = c.lookup("watch/none").revision();
            Collector live = new Collector();
            c.watch(Watch.prefix("watch/")).subscribe(live);
            // The watch starts at the revision current when it subscribes; writes follow once it is open.
            Poll.until("the watch is open", Duration.ofSeconds(20), () -> {
                c.put("watch/probe", b("p"));
                return !live.events.isEmpty();
            });
            List<Long> versions = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                versions.add(c.put("watch/k" + i, b("v" + i)));
                c.put("unwatched/k" + i, b("x"));
            }
            assertTrue(c.delete("watch/k0"));
            Poll.until("every write arrives", Duration.ofSeconds(30),
                    () -> live.events.stream().filter(e -> !e.key().equals("watch/probe")).count() >= 11);
            List<WatchEvent> mine = live.events.stream().filter(e -> !e.key().equals("watch/probe")).toList();
            assertEquals(11, mine.size(), mine.toString());
            for (int i = 0; i < 10; i++) {
                assertEquals("watch/k" + i, mine.get(i).key());
                assertEquals(versions.get(i), mine.get(i).revision());
                assertEquals("v" + i, mine.get(i).valueAsString());
            }
            assertEquals(WatchEvent.Type.DELETE, mine.get(10).type());
            live.subscription.cancel();

            Collector replay = new Collector();
            c.watch(Watch.key("watch/k3").from(start)).subscribe(replay);
            Poll.until("the history replays", Duration.ofSeconds(20), () -> !replay.events.isEmpty());
            assertEquals(versions.get(3), replay.events.get(0).revision());
            replay.subscription.cancel();
            assertFalse(live.error.isDone() || replay.error.isDone());
        }
    }

    @Test
    void aBackupStreamsWholeAndVerifies() throws Exception {
        try (TallyClient c = client()) {
            long v = c.put("backup/k", b("kept"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long n = c.backup(out, Duration.ofSeconds(30));
            assertEquals(out.size(), n);
            KvBackup.Info info = KvBackup.read(new ByteArrayInputStream(out.toByteArray()), null);
            assertTrue(info.revision() >= v, "every acknowledged write is in it");
            assertTrue(info.keys() >= 1);
        }
    }
}
