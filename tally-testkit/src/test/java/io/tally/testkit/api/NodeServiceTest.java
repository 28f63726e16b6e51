package io.tally.testkit.api;

import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The testkit's extension points for code beside the nodes: {@link NodeService}, {@link NodeLife}, self-bootstrap. */
class NodeServiceTest {

    /** A sum of the longs it is given; its snapshot is the sum. */
    static final class Sum implements StateMachine<Long> {
        long sum;

        @Override
        public List<Long> apply(List<Command> commands) {
            List<Long> out = new ArrayList<>();
            for (Command c : commands) {
                sum += ByteBuffer.wrap(c.data()).getLong();
                out.add(sum);
            }
            return out;
        }

        @Override
        public Snapshot snapshot() {
            long s = sum;
            return out -> new DataOutputStream(out).writeLong(s);
        }

        @Override
        public void restore(InputStream in) throws java.io.IOException {
            sum = new DataInputStream(in).readLong();
        }
    }

    /** What a service saw of one life: its ticks (virtual ms) and its clock readings (ns). */
    static final class Seen {
        final NodeLife<Sum, Long> life;
        final List<Long> ticksAtMillis = new ArrayList<>();
        final long firstReading;

        Seen(NodeLife<Sum, Long> life) {
            this.life = life;
            this.firstReading = life.clock().getAsLong();
        }
    }

    /** A service that ticks every 100 ms of virtual time for as long as its life lasts. */
    private static void tick(Seen seen) {
        seen.life.schedule(100_000_000L, () -> {
            seen.ticksAtMillis.add(seen.life.simulation().nowMillis());
            tick(seen);
        });
    }

    private static SimulatedCluster.Builder<Sum, Long> builder(long seed, List<Seen> seen) {
        return SimulatedCluster.<Sum, Long>builder(StateMachineFactory.of(Sum::new)).nodes(3).seed(seed)
                .nodeService(life -> {
                    Seen s = new Seen(life);
                    seen.add(s);
                    tick(s);
                });
    }

    @Test
    void everyLifeGetsTheServiceAndItsTasksDieWithIt() {
        List<Seen> seen = new ArrayList<>();
        try (SimulatedCluster<Sum, Long> c = builder(7, seen).build()) {
            assertEquals(3, seen.size(), "one call per node at build");
            for (int i = 0; i < 3; i++) {
                Seen s = seen.get(i);
                assertEquals(i, s.life.index());
                assertEquals("n" + i, s.life.id());
                assertEquals(1, s.life.number());
                assertEquals("n" + i + "#1", s.life.name());
                assertSame(c.node(i), s.life.node());
                assertSame(c.stateMachine(i), s.life.stateMachine());
            }
            c.runFor(1_000);
            Seen first = seen.get(1);
            int ticksBeforeCrash = first.ticksAtMillis.size();
            assertTrue(ticksBeforeCrash >= 9, "ticks every 100 ms: " + first.ticksAtMillis);
            assertTrue(first.life.clock().getAsLong() - first.firstReading >= 1_000_000_000L - 200_000_000L,
                    "the clock moved with virtual time");

            c.crash(1);
            assertFalse(first.life.isAlive());
            c.runFor(500);
            assertEquals(ticksBeforeCrash, first.ticksAtMillis.size(), "a crashed life's tasks never run");

            c.start(1);
            assertEquals(4, seen.size());
            Seen second = seen.get(3);
            assertEquals(2, second.life.number());
            assertEquals("n1#2", second.life.name());
            assertTrue(second.life.isAlive());
            // Monotonic clocks of two processes share no origin: the new life's reading is not the old one's plus 0.5 s.
            long gap = second.firstReading - first.life.clock().getAsLong();
            assertNotEquals(0, gap / 1_000_000_000L, "lives have clocks of their own origin (gap " + gap + " ns)");

            c.pause(1, 300);
            assertEquals(c.simulation().nowNanos() + 300_000_000L, second.life.pausedUntilNanos());
            int before = second.ticksAtMillis.size();
            c.runFor(250);
            assertEquals(before, second.ticksAtMillis.size(), "a paused life's tasks wait");
            c.runFor(200);
            assertTrue(second.ticksAtMillis.size() > before, "and run once the pause ends");
        }
    }

    @Test
    void aClusterWithAServiceReplaysItsSeed() {
        long[] withService = sums(new ArrayList<>());
        long[] again = sums(new ArrayList<>());
        assertEquals(List.of(withService[0], withService[1]), List.of(again[0], again[1]), "the same seed replays");
    }

    /** The sum and the virtual time at which ten additions were applied on the leader. */
    private static long[] sums(List<Seen> seen) {
        try (SimulatedCluster<Sum, Long> c = builder(11, seen).build()) {
            c.runUntil(() -> c.leader() >= 0, 5_000);
            long sum = 0;
            for (int k = 1; k <= 10; k++) {
                sum = c.await(c.node(c.leader()).apply(ByteBuffer.allocate(8).putLong(k).array()), 5_000, "add " + k);
            }
            return new long[] {sum, c.nowMillis()};
        }
    }

    @Test
    void withNoInitialMembersTheTestBootstrapsTheNodes() {
        try (SimulatedCluster<Sum, Long> c = SimulatedCluster.<Sum, Long>builder(StateMachineFactory.of(Sum::new))
                .nodes(3).seed(3).initialMembers(0).build()) {
            assertEquals(0, c.nowMillis());
            assertFalse(c.runUntil(() -> c.leader() >= 0, 3_000), "nobody campaigns without a configuration");
            Configuration voters = Configuration.ofVoters("n0", "n1", "n2");
            for (int i = 0; i < 3; i++) {
                c.node(i).bootstrap(voters);
            }
            assertTrue(c.runUntil(() -> c.leader() >= 0, 5_000), "bootstrapped by hand, they elect a leader");
        }
        assertThrows(IllegalArgumentException.class,
                () -> SimulatedCluster.<Sum, Long>builder(StateMachineFactory.of(Sum::new)).initialMembers(-1));
    }
}
