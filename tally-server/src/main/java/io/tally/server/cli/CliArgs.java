package io.tally.server.cli;

import io.tally.server.Flags;
import io.tally.server.UsageException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Positional arguments and {@code --flag value} options of a subcommand ({@link Flags}), with typed accessors. */
final class CliArgs {

    final List<String> positional;
    final Map<String, String> flags;

    private CliArgs(Flags f) {
        this.positional = new ArrayList<>(f.positional());
        this.flags = f.values();
    }

    static CliArgs parse(String[] args, Set<String> known) throws UsageException {
        return new CliArgs(Flags.parse(args, known, true));
    }

    /** With {@code switches}: flags that take no value ({@link Flags}). */
    static CliArgs parse(String[] args, Set<String> known, Set<String> switches) throws UsageException {
        return new CliArgs(Flags.parse(args, known, switches, true));
    }

    String flag(String name, String dflt) {
        return flags.getOrDefault(name, dflt);
    }

    long longFlag(String name, long dflt, long min, long max) throws UsageException {
        String v = flags.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, not '" + v + "'");
        }
    }

    double fractionFlag(String name, double dflt) throws UsageException {
        String v = flags.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || d > 1) {
                throw new UsageException("--" + name + " must be between 0 and 1");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a fraction like 0.9, not '" + v + "'");
        }
    }

    Duration durationFlag(String name, String dflt) throws UsageException {
        String v = flags.getOrDefault(name, dflt);
        Matcher m = Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(v);
        if (!m.matches()) {
            throw new UsageException("--" + name + " '" + v + "' is not a duration like 500ms, 2s or 1m");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.isZero()) {
            throw new UsageException("--" + name + " must be positive");
        }
        return d;
    }
}
