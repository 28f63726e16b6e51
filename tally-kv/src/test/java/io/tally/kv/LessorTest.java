package io.tally.kv;

import io.tally.raft.NotLeaderException;
import io.tally.raft.RaftState;
import io.tally.raft.StateMachine.Command;
import io.tally.raft.model.Configuration;
import io.tally.raft.node.NodeStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The leader's lease clock alone, with a hand-moved clock, a hand-set role and a log that applies what it is told. */
class LessorTest {

    private static final long MS = 1_000_000L;

    private final KvStateMachine store = new KvStateMachine(Duration.ofHours(1));
    private long nanos = 1_000 * MS;
    private NodeStatus status = leader(1);
    private final List<KvCommand> proposed = new ArrayList<>();
    private final List<CompletableFuture<KvResult>> answers = new ArrayList<>();
    private final Lessor lessor = new Lessor(() -> status, store::view, () -> nanos, c -> {
        proposed.add(c);
        CompletableFuture<KvResult> f = new CompletableFuture<>();
        answers.add(f);
        return f;
    });
    private long index;

    private static NodeStatus leader(long term) {
        return new NodeStatus("n1", RaftState.LEADER, "n1", term, 0, 0, Configuration.EMPTY, 0, Configuration.EMPTY);
    }

    private static NodeStatus follower(long term) {
        return new NodeStatus("n1", RaftState.FOLLOWER, "n2", term, 0, 0, Configuration.EMPTY, 0, Configuration.EMPTY);
    }

    private KvResult apply(KvCommand c) {
        return store.apply(List.of(new Command(++index, 1, c.encode()))).get(0);
    }

    private long grant(long ttlMillis) {
        long id = apply(KvCommand.grantLease(ttlMillis)).revision();
        lessor.granted(id, ttlMillis);
        return id;
    }

    private void advance(long millis) {
        nanos += millis * MS;
        lessor.tick();
    }

    @Test
    void aLeaseExpiresOnlyAfterItsTtlSinceTheLastKeepAlive() {
        long id = grant(10_000);
        advance(9_999);
        assertTrue(proposed.isEmpty());
        assertEquals(10_000, lessor.renew(id));
        advance(9_999);
        assertTrue(proposed.isEmpty(), "renewed: a full TTL again");
        advance(1);
        assertEquals(List.of(KvCommand.expireLease(id)), proposed);
        advance(1);
        assertEquals(1, proposed.size(), "proposed once while the proposal is open");
    }

    @Test
    void aKeepAliveRacingItsExpiryIsRefusedNotAcknowledgedAndUndone() {
        long id = grant(5_000);
        advance(5_000);
        assertEquals(1, proposed.size());
        assertThrows(LeaseNotFoundException.class, () -> lessor.renew(id));
        assertEquals(0, lessor.remainingMillis(id));
        // The expiry's outcome is unknown (a timeout): the lease stays refused and the expiry is proposed again.
        answers.get(0).completeExceptionally(new RuntimeException("timed out"));
        advance(200);
        assertEquals(2, proposed.size());
        assertThrows(LeaseNotFoundException.class, () -> lessor.renew(id));
        apply(proposed.get(1));
        advance(200);
        assertEquals(2, proposed.size(), "gone: nothing more to expire");
        assertThrows(LeaseNotFoundException.class, () -> lessor.renew(id));
    }

    @Test
    void aNewLeaderGivesEveryLeaseItsFullTtlAgain() {
        long id = grant(3_000);
        advance(2_900);
        status = follower(2);
        advance(10);
        assertThrows(NotLeaderException.class, () -> lessor.renew(id));
        assertThrows(NotLeaderException.class, () -> lessor.remainingMillis(id));
        advance(60_000);
        assertTrue(proposed.isEmpty(), "a follower expires nothing");
        status = leader(3);
        advance(0); // the first tick in the new term
        advance(2_999);
        assertTrue(proposed.isEmpty(), "a full TTL from when the new leader first saw it");
        advance(1);
        assertEquals(List.of(KvCommand.expireLease(id)), proposed);
    }

    @Test
    void theSameNodeLeadingANewTermAlsoStartsAfresh() {
        long id = grant(3_000);
        advance(2_000);
        status = leader(2);
        advance(0); // the first tick in the new term
        advance(2_000);
        assertTrue(proposed.isEmpty());
        assertEquals(1_000, lessor.remainingMillis(id));
    }

    @Test
    void unknownLeasesAreNotFound() {
        assertThrows(LeaseNotFoundException.class, () -> lessor.renew(42));
        long id = grant(3_000);
        apply(KvCommand.revokeLease(id));
        assertThrows(LeaseNotFoundException.class, () -> lessor.renew(id));
        assertThrows(LeaseNotFoundException.class, () -> lessor.remainingMillis(id));
    }
}
