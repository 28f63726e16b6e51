package io.tally.testkit.sim;

import io.tally.raft.runtime.ExecutorRole;
import io.tally.raft.runtime.RaftRuntime;
import io.tally.raft.runtime.SerialExecutor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimRuntimeTest {

    @Test
    void clockAndTimers() {
        Simulation sim = new Simulation(1);
        sim.enableTrace();
        SimRuntime rt = new SimRuntime(sim, NodeIncarnation.first("n1"), LatencyModel.DEFAULT);
        sim.runFor(3);
        assertEquals(3_000_000, rt.nanoTime());
        long[] firedAt = {-1, -1};
        rt.schedule(5, TimeUnit.MILLISECONDS, () -> firedAt[0] = rt.nanoTime());
        RaftRuntime.Cancellable c = rt.schedule(2, TimeUnit.MILLISECONDS, () -> firedAt[1] = rt.nanoTime());
        c.cancel();
        sim.runFor(10);
        assertEquals(8_000_000, firedAt[0]);
        assertEquals(-1, firedAt[1]);
        assertEquals(List.of("8000000 n1#1/timer"), sim.trace());
    }

    @Test
    void deadIncarnationTimersAndTasksAreSkipped() {
        Simulation sim = new Simulation(1);
        NodeIncarnation inc = NodeIncarnation.first("n1");
        SimRuntime rt = new SimRuntime(sim, inc, LatencyModel.DEFAULT);
        List<String> ran = new ArrayList<>();
        SerialExecutor ex = rt.newExecutor(ExecutorRole.LOG_WRITER);
        rt.schedule(1, TimeUnit.MILLISECONDS, () -> ran.add("timer"));
        ex.execute(() -> ran.add("task"));
        inc.kill();
        ex.execute(() -> ran.add("task-after-kill"));
        rt.schedule(0, TimeUnit.MILLISECONDS, () -> ran.add("timer-after-kill"));
        sim.runFor(10);
        assertEquals(List.of(), ran);
        assertEquals(0, sim.eventsProcessed());
    }

    @Test
    void executorCloseRunsQueuedTasksAndDropsLaterOnes() {
        Simulation sim = new Simulation(1);
        SimRuntime rt = new SimRuntime(sim, NodeIncarnation.first("n1"), LatencyModel.DEFAULT);
        List<String> ran = new ArrayList<>();
        SerialExecutor ex = rt.newExecutor(ExecutorRole.APPLY);
        ex.execute(() -> {
            ran.add("first");
            ex.close();
        });
        ex.execute(() -> ran.add("pending"));
        sim.runFor(1);
        ex.execute(() -> ran.add("later"));
        sim.runFor(1);
        // SerialExecutor contract: tasks submitted before close() still run; later ones are dropped.
        assertEquals(List.of("first", "pending"), ran);
    }

    @Test
    void executorKeepsFifoOrderUnderRandomLatency() {
        long seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong()); // replay: -Dtally.test.seed=N
        System.out.println("SimRuntimeTest.executorFifo seed=" + seed);
        Simulation sim = new Simulation(seed);
        LatencyModel wild = (name, r) -> r.nextInt(4) == 0 ? 0 : r.nextLong(5_000_000);
        SimRuntime rt = new SimRuntime(sim, NodeIncarnation.first("n1"), wild);
        SerialExecutor a = rt.newExecutor(ExecutorRole.RAFT_LOOP);
        SerialExecutor b = rt.newExecutor(ExecutorRole.APPLY);
        List<Integer> ranA = new ArrayList<>();
        List<Integer> ranB = new ArrayList<>();
        long[] lastTime = {0};
        int[] submitted = {0};
        // Submit from inside events at random times, interleaving two executors.
        for (int i = 0; i < 2000; i++) {
            sim.schedule(sim.random().nextLong(50_000_000), "submit", () -> {
                int n = submitted[0]++;
                a.execute(() -> {
                    assertTrue(rt.nanoTime() >= lastTime[0]);
                    lastTime[0] = rt.nanoTime();
                    ranA.add(n);
                });
                b.execute(() -> ranB.add(n));
            });
        }
        sim.runFor(1000);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            expected.add(i);
        }
        assertEquals(expected, ranA, "seed=" + seed);
        assertEquals(expected, ranB, "seed=" + seed);
    }

    @Test
    void zeroLatencyTasksRunAfterAlreadyQueuedEventsAtTheSameTime() {
        Simulation sim = new Simulation(1);
        SimRuntime rt = new SimRuntime(sim, NodeIncarnation.first("n1"), LatencyModel.DEFAULT);
        SerialExecutor ex = rt.newExecutor(ExecutorRole.RAFT_LOOP);
        List<String> order = new ArrayList<>();
        sim.schedule(0, "queued-first", () -> order.add("queued-first"));
        ex.execute(() -> order.add("task"));
        sim.runFor(0);
        assertEquals(List.of("queued-first", "task"), order);
        assertEquals(0, sim.nowNanos());
    }

    @Test
    void defaultLatencyModelsFsyncForLogWriters() {
        Simulation sim = new Simulation(5);
        SimRuntime rt = new SimRuntime(sim, NodeIncarnation.first("n1"), LatencyModel.DEFAULT);
        SerialExecutor writer = rt.newExecutor(ExecutorRole.LOG_WRITER);
        long[] times = new long[200];
        int[] i = {0};
        for (int k = 0; k < times.length; k++) {
            sim.schedule(k * 10_000_000L, "submit", () -> {
                long submittedAt = sim.nowNanos();
                writer.execute(() -> times[i[0]++] = sim.nowNanos() - submittedAt);
            });
        }
        sim.runFor(3000);
        assertEquals(times.length, i[0]);
        for (long t : times) {
            assertTrue(t >= 200_000 && t < 1_000_000, "latency " + t);
        }
        assertEquals(0, LatencyModel.DEFAULT.delayNanos(ExecutorRole.APPLY, sim.random()));
    }

    @Test
    void perIncarnationRandomIsDeterministic() {
        Simulation s1 = new Simulation(9);
        Simulation s2 = new Simulation(9);
        SimRuntime a1 = new SimRuntime(s1, NodeIncarnation.first("a"), LatencyModel.DEFAULT);
        SimRuntime b1 = new SimRuntime(s1, NodeIncarnation.first("b"), LatencyModel.DEFAULT);
        SimRuntime a2 = new SimRuntime(s2, NodeIncarnation.first("a"), LatencyModel.DEFAULT);
        SimRuntime b2 = new SimRuntime(s2, NodeIncarnation.first("b"), LatencyModel.DEFAULT);
        long x = a1.random().nextLong();
        assertEquals(x, a2.random().nextLong());
        assertEquals(b1.random().nextLong(), b2.random().nextLong());
        assertNotEquals(x, b1.random().nextLong());
        assertFalse(a1.random() == b1.random());
    }

    @Test
    void aPausedNodeRunsNothingUntilThePauseEndsThenEverythingInOrderWhileItsClockWentOn() {
        Simulation sim = new Simulation(1);
        NodeIncarnation inc = NodeIncarnation.first("n1");
        SimRuntime rt = new SimRuntime(sim, inc, LatencyModel.ZERO);
        SerialExecutor ex = rt.newExecutor(ExecutorRole.RAFT_LOOP);
        List<String> ran = new ArrayList<>();
        rt.schedule(10, TimeUnit.MILLISECONDS, () -> ran.add("timer@" + rt.nanoTime() / 1_000_000));
        sim.schedule(5_000_000, "pause", () -> inc.pauseUntil(2_000_000_000L));
        sim.schedule(6_000_000, "submit", () -> ex.execute(() -> ran.add("task@" + rt.nanoTime() / 1_000_000)));
        sim.runFor(1_000);
        assertEquals(List.of(), ran, "frozen: nothing runs");
        assertTrue(inc.isPausedAt(sim.nowNanos()));
        sim.runFor(1_000);
        assertEquals(List.of("task@2000", "timer@2000"), ran, "all at once when the pause ends, in the order they came due, on a clock that went on");
    }

    @Test
    void messagesToAPausedNodeWaitForThePauseToEnd() {
        Simulation sim = new Simulation(1);
        SimNetwork net = new SimNetwork(sim);
        NodeIncarnation a = NodeIncarnation.first("a");
        NodeIncarnation b = NodeIncarnation.first("b");
        SimTransport ta = net.transport(a);
        SimTransport tb = net.transport(b);
        List<Long> receivedAt = new ArrayList<>();
        ta.start(m -> { });
        tb.start(m -> receivedAt.add(sim.nowNanos()));
        b.pauseUntil(500_000_000L);
        ta.send(new io.tally.raft.message.TimeoutNow("a", "b", 1));
        sim.runFor(1_000);
        assertEquals(List.of(500_000_000L), receivedAt);
    }

    @Test
    void aDriftingClockRunsFastAndItsTimersFollowIt() {
        Simulation sim = new Simulation(1);
        SimRuntime rt = new SimRuntime(sim, NodeIncarnation.first("n1"), LatencyModel.ZERO, ClockModel.drifting(0.1),
                TimerModel.PUNCTUAL);
        long start = rt.nanoTime();
        long[] firedAt = {-1};
        rt.schedule(110, TimeUnit.MILLISECONDS, () -> firedAt[0] = sim.nowNanos());
        sim.runFor(1_000);
        assertEquals(1_100_000_000L, rt.nanoTime() - start, "10 % fast");
        assertEquals(100_000_000L, firedAt[0], "110 ms on a clock 10 % fast is 100 ms of virtual time");
    }

    @Test
    void aTimerDrivenClockSeesNeitherPausesNorLateTimers() {
        Simulation sim = new Simulation(1);
        NodeIncarnation inc = NodeIncarnation.first("n1");
        SimRuntime rt = new SimRuntime(sim, inc, LatencyModel.ZERO, ClockModel.timerDriven(), TimerModel.PUNCTUAL);
        long[] readAt = {-1};
        rt.schedule(10, TimeUnit.MILLISECONDS, () -> readAt[0] = rt.nanoTime());
        inc.pauseUntil(3_000_000_000L);
        sim.runFor(5_000);
        assertEquals(10_000_000L, readAt[0], "a 3 s pause moved it by one timer's delay");
        assertEquals(10_000_000L, rt.nanoTime());
    }

    @Test
    void lateTimersFireLateButNeverEarly() {
        Simulation sim = new Simulation(7);
        SimRuntime rt = new SimRuntime(sim, NodeIncarnation.first("n1"), LatencyModel.ZERO, ClockModel.exact(),
                new TimerModel(1_000_000, 0.5, 300_000_000));
        List<Long> lateness = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long due = sim.nowNanos() + 10_000_000;
            rt.schedule(10, TimeUnit.MILLISECONDS, () -> lateness.add(sim.nowNanos() - due));
            sim.runFor(400);
        }
        assertEquals(200, lateness.size());
        assertTrue(lateness.stream().allMatch(l -> l >= 0 && l <= 301_000_000), "within jitter + max lateness");
        assertTrue(lateness.stream().filter(l -> l > 1_000_000).count() > 50, "about half are late: " + lateness);
    }
}
