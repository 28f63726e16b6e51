package io.tally.bench.compare;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one measured period gave: completed operations, the period's length, latency percentiles in microseconds,
 * failed operations by kind, and connection resets (counted apart from the errors). Travels between processes as
 * one line ({@link #toLine()}, {@link #parse(String)}).
 */
record Measurement(long ops, double seconds, long p50Us, long p99Us, long p999Us, long maxUs,
                   Map<String, Long> errors, long resets) {

    Measurement {
        errors = Map.copyOf(errors);
    }

    double throughput() {
        return seconds <= 0 ? 0 : ops / seconds;
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code ops=N seconds=S p50=.. p99=.. p999=.. max=.. resets=N errors=kind:count|kind:count}. */
    String toLine() {
        StringBuilder e = new StringBuilder();
        new TreeMap<>(errors).forEach((k, v) -> e.append(e.length() == 0 ? "" : "|").append(k.replaceAll("[\\s|:=]+", "_"))
                .append(':').append(v));
        return "ops=" + ops + " seconds=" + seconds + " p50=" + p50Us + " p99=" + p99Us + " p999=" + p999Us + " max="
                + maxUs + " resets=" + resets + " errors=" + e;
    }

    static Measurement parse(String line) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String part : line.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        Map<String, Long> errors = new LinkedHashMap<>();
        String e = f.getOrDefault("errors", "");
        if (!e.isEmpty()) {
            for (String kv : e.split("\\|")) {
                int c = kv.lastIndexOf(':');
                errors.put(kv.substring(0, c), Long.parseLong(kv.substring(c + 1)));
            }
        }
        return new Measurement(Long.parseLong(f.get("ops")), Double.parseDouble(f.get("seconds")),
                Long.parseLong(f.get("p50")), Long.parseLong(f.get("p99")), Long.parseLong(f.get("p999")),
                Long.parseLong(f.get("max")), errors, Long.parseLong(f.getOrDefault("resets", "0")));
    }
}
