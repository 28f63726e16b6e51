package io.tally.kv;

import io.tally.raft.StateMachine.Command;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvStateMachineTest {

    private final KvStateMachine kv = new KvStateMachine(Duration.ofSeconds(10));
    private long index;

    private KvResult run(KvCommand c) {
        return kv.apply(List.of(new Command(++index, 1, c.encode()))).get(0);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String value(String key) {
        return new String(kv.get(key).orElseThrow().value(), StandardCharsets.UTF_8);
    }

    @Test
    void putGetAppendDeleteWithVersionsFromTheLog() {
        assertEquals(KvResult.written(1), run(KvCommand.put("a", b("1"))));
        assertEquals(1, kv.get("a").orElseThrow().version());
        assertEquals(KvResult.written(2), run(KvCommand.append("a", b("2"))));
        assertEquals("12", value("a"));
        assertEquals(KvResult.written(3), run(KvCommand.append("new", b("x"))));
        assertEquals("x", value("new"));
        KvResult del = run(KvCommand.delete("a"));
        assertTrue(del.deleted());
        assertEquals(2, del.version());
        assertFalse(run(KvCommand.delete("a")).deleted());
        assertTrue(kv.get("a").isEmpty());
        assertEquals(5, kv.appliedIndex());
    }

    @Test
    void compareAndSetOnVersions() {
        assertEquals(KvResult.written(1), run(KvCommand.put("k", b("v1")).withExpectedVersion(0)));
        assertEquals(KvResult.casFailed(1), run(KvCommand.put("k", b("v2")).withExpectedVersion(0)));
        assertEquals(KvResult.casFailed(1), run(KvCommand.put("k", b("v2")).withExpectedVersion(7)));
        assertEquals(KvResult.written(4), run(KvCommand.put("k", b("v2")).withExpectedVersion(1)));
        assertEquals(KvResult.casFailed(4), run(KvCommand.delete("k").withExpectedVersion(1)));
        assertEquals("v2", value("k"));
        assertTrue(run(KvCommand.delete("k").withExpectedVersion(4)).deleted());
        assertEquals(KvResult.casFailed(0), run(KvCommand.delete("k").withExpectedVersion(4)));
    }

    @Test
    void scanReturnsThePrefixInKeyOrderUpToTheLimit() {
        for (String k : List.of("b/2", "a/1", "b/1", "b/3", "c")) {
            run(KvCommand.put(k, b(k)));
        }
        assertEquals(List.of("b/1", "b/2", "b/3"), kv.scan("b/", 10).stream().map(Map.Entry::getKey).toList());
        assertEquals(List.of("b/1", "b/2"), kv.scan("b/", 2).stream().map(Map.Entry::getKey).toList());
        assertEquals(5, kv.scan("", 100).size());
        assertTrue(kv.scan("z", 10).isEmpty());
    }

    @Test
    void aRetriedSessionWriteAppliesOnceAndGetsTheOriginalResult() {
        KvResult first = run(KvCommand.append("k", b("x")).withSession("c1", 1));
        KvResult retry = run(KvCommand.append("k", b("x")).withSession("c1", 1));
        assertEquals(first, retry);
        assertEquals("x", value("k"));
        run(KvCommand.append("k", b("y")).withSession("c1", 2));
        assertEquals(KvResult.Status.STALE_REQUEST, run(KvCommand.append("k", b("x")).withSession("c1", 1)).status());
        assertEquals("xy", value("k"));
        // Another client's numbers are its own.
        run(KvCommand.append("k", b("z")).withSession("c2", 1));
        assertEquals("xyz", value("k"));
        // A new session must start at 1: a higher first number means its earlier writes are unknown.
        assertEquals(KvResult.Status.STALE_REQUEST, run(KvCommand.append("k", b("w")).withSession("c3", 5)).status());
    }

    @Test
    void sessionsExpireByLeaderStampsInTheLogNotByTheLocalClock() {
        run(KvCommand.put("k", b("1")).withSession("old", 1).withStamp(1_000));
        run(KvCommand.put("k", b("2")).withSession("busy", 1).withStamp(5_000));
        run(KvCommand.put("k", b("3")).withSession("busy", 2).withStamp(10_500));
        assertEquals(2, kv.sessionCount(), "old is 9.5 s idle: within the 10 s TTL");
        run(KvCommand.put("k", b("4")).withStamp(12_000));
        assertEquals(1, kv.sessionCount(), "old expired once a stamp 11 s later reached the log");
        // The expired session's next request cannot be told from a replay of an old one: refused, not re-applied.
        assertEquals(KvResult.Status.STALE_REQUEST, run(KvCommand.put("k", b("5")).withSession("old", 2).withStamp(12_001)).status());
        assertEquals("4", value("k"));
    }

    /**
     * A new leader whose stamps lag its predecessor's does not move the log clock back: activity is recorded at
     * the log clock, so a session used under the lagging leader is not any older for it.
     */
    @Test
    void aLaggingLeaderNeverMovesTheLogClockBack() {
        run(KvCommand.put("k", b("1")).withSession("s", 1).withStamp(60_000)); // old leader
        run(KvCommand.put("k", b("2")).withSession("s", 2).withStamp(30_000)); // new leader, 30 s behind
        assertEquals(60_000, kv.newestStamp());
        run(KvCommand.put("x", b("1")).withStamp(69_000));
        assertEquals(KvResult.Status.OK, run(KvCommand.put("k", b("3")).withSession("s", 3).withStamp(69_500)).status(),
                "last active at log time 60 s (not 30 s): 9.5 s idle");
    }

    @Test
    void aSnapshotCarriesKeysVersionsAndSessionsAndAnEmptyMemberDirectory() throws IOException {
        run(KvCommand.put("a", b("1")));
        run(KvCommand.append("b", b("x")).withSession("c", 1).withStamp(100));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var snap = kv.snapshot();
        run(KvCommand.put("after", b("not in the snapshot")));
        snap.writeTo(out);
        KvStateMachine restored = new KvStateMachine(Duration.ofSeconds(10));
        restored.restore(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(2, restored.appliedIndex());
        assertEquals(2, restored.size());
        assertArrayEquals(b("1"), restored.get("a").orElseThrow().value());
        assertEquals(2, restored.get("b").orElseThrow().version());
        assertTrue(restored.get("after").isEmpty());
        // The session came along: a retry of c#1 is answered from it, not applied again.
        KvResult retry = restored.apply(List.of(new Command(4, 1, KvCommand.append("b", b("x")).withSession("c", 1).encode()))).get(0);
        assertEquals(KvResult.written(2), retry);
        assertArrayEquals(b("x"), restored.get("b").orElseThrow().value());
    }

    @Test
    void aSnapshotWithAMemberDirectoryFromBeforeItWasRetiredIsRestoredWithoutIt() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeInt(0x544b5632); // TKV2
        out.writeLong(7);         // applied index
        out.writeLong(5_000);     // newest stamp
        out.writeLong(4_500);     // last sweep
        out.writeInt(1);
        out.writeUTF("k");
        out.writeLong(6);
        out.writeInt(2);
        out.write(b("v1"));
        out.writeInt(1);          // one session
        out.writeUTF("client-a");
        out.writeLong(3);
        out.writeLong(4_900);
        out.writeByte(KvResult.Status.OK.ordinal());
        out.writeLong(6);
        out.writeBoolean(false);
        out.writeInt(2);          // the member directory
        out.writeUTF("n1");
        out.writeUTF("127.0.0.1:8001");
        out.writeUTF("n2");
        out.writeUTF("127.0.0.1:8002");
        out.flush();
        KvStateMachine m = new KvStateMachine(Duration.ofSeconds(10));
        m.restore(new ByteArrayInputStream(bytes.toByteArray()));
        assertEquals(7, m.appliedIndex());
        assertArrayEquals(b("v1"), m.get("k").orElseThrow().value());
        assertEquals(1, m.size(), "no member became a key");
        assertEquals(KvResult.written(6), m.apply(List.of(new Command(8, 1,
                KvCommand.append("k", b("again")).withSession("client-a", 3).encode()))).get(0));
    }

    @Test
    void aDamagedSnapshotIsRefused() {
        KvStateMachine m = new KvStateMachine();
        assertThrows(IOException.class, () -> m.restore(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
    }

    @Test
    void commandsSurviveTheirBinaryFormAndBadBytesAreMalformed() {
        KvCommand c = KvCommand.put("key/ü", b("value")).withSession("client", 9).withExpectedVersion(3).withStamp(42);
        assertEquals(c, KvCommand.decode(c.encode()));
        byte[] bytes = c.encode();
        assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1)));
        assertEquals(KvResult.Status.MALFORMED, kv.apply(List.of(new Command(1, 1, new byte[] {9, 9}))).get(0).status());
        assertThrows(IllegalArgumentException.class, () -> KvCommand.put("", b("x")));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.put("k".repeat(4097), b("x")));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.append("k", b("x")).withExpectedVersion(1));
    }
}
