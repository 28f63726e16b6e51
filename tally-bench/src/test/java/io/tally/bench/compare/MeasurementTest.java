package io.tally.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MeasurementTest {

    @Test
    void aMeasurementCrossesTheControlChannelUnchanged() {
        Measurement m = new Measurement(1234, 3.5, 800, 9000, 12000, 20000, Map.of("EBUSY", 3L, "NotLeaderException", 1L), 2);
        Measurement back = Measurement.parse(m.toLine());
        assertEquals(m, back);
        assertEquals(4, back.errorCount());
    }

    @Test
    void errorKindsWithSeparatorsAreKeptReadable() {
        Measurement m = new Measurement(1, 1, 1, 1, 1, 1, Map.of("503 etcdserver: too many requests", 7L), 0);
        assertEquals(Map.of("503_etcdserver_too_many_requests", 7L), Measurement.parse(m.toLine()).errors());
    }

    @Test
    void theMedianOfTheRoundsIsReported() {
        List<Measurement> rounds = List.of(ops(100), ops(300), ops(200));
        assertEquals(200, Report.median(rounds, Measurement::throughput), 1e-9);
        assertEquals(250, Report.median(List.of(ops(200), ops(300)), Measurement::throughput), 1e-9);
    }

    private static Measurement ops(long n) {
        return new Measurement(n, 1, 1, 1, 1, 1, Map.of(), 0);
    }
}
