package io.tally.server;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the HTTP API writes them: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}. */
final class Durations {

    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /** A request's {@code timeout}: 1 ms to 10 minutes. */
    static Duration parse(String s) throws HttpError {
        return parse("timeout", s, Duration.ofMinutes(10));
    }

    /**
     * Parses {@code s} as the duration {@code what}, which must be positive and at most {@code max}.
     *
     * @throws HttpError 400 naming {@code what} otherwise
     */
    static Duration parse(String what, String s, Duration max) throws HttpError {
        Matcher m = FORM.matcher(s == null ? "" : s);
        if (!m.matches()) {
            throw HttpError.badRequest(what + " '" + s + "' is not a duration like 500ms, 2s, 1m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero() || d.compareTo(max) > 0) {
            throw HttpError.badRequest(what + " '" + s + "' must be between 1ms and " + format(max));
        }
        return d;
    }

    /** The shortest exact form: {@code 2h}, {@code 90s}, {@code 1500ms}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
