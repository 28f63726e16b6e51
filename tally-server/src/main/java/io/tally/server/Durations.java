package io.tally.server;

import java.time.Duration;

/** Parses durations written as {@code 500ms}, {@code 2s} or {@code 1m}. */
final class Durations {

    private Durations() {
    }

    static Duration parse(String s) throws HttpError {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(s);
        if (!m.matches()) {
            throw HttpError.badRequest("timeout '" + s + "' is not a duration like 500ms, 2s or 1m");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.isZero() || d.compareTo(Duration.ofMinutes(10)) > 0) {
            throw HttpError.badRequest("timeout '" + s + "' must be between 1ms and 10m");
        }
        return d;
    }
}
