package io.tally.server.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Positional arguments and {@code --flag value} options of a subcommand; bad input is a {@link Usage} error. */
final class CliArgs {

    /** A usage error: printed with a hint, exit code 2. */
    static final class Usage extends Exception {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message);
        }
    }

    final List<String> positional = new ArrayList<>();
    final Map<String, String> flags = new LinkedHashMap<>();

    static CliArgs parse(String[] args, Set<String> known) throws Usage {
        CliArgs a = new CliArgs();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (s.startsWith("--")) {
                String name = s.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new Usage("flag --" + name + " needs a value");
                }
                if (!known.contains(name)) {
                    throw new Usage("unknown flag --" + name);
                }
                a.flags.put(name, value);
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    String flag(String name, String dflt) {
        return flags.getOrDefault(name, dflt);
    }

    long longFlag(String name, long dflt, long min, long max) throws Usage {
        String v = flags.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new Usage("--" + name + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new Usage("--" + name + " must be a number, not '" + v + "'");
        }
    }

    double fractionFlag(String name, double dflt) throws Usage {
        String v = flags.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || d > 1) {
                throw new Usage("--" + name + " must be between 0 and 1");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new Usage("--" + name + " must be a fraction like 0.9, not '" + v + "'");
        }
    }

    Duration durationFlag(String name, String dflt) throws Usage {
        String v = flags.getOrDefault(name, dflt);
        Matcher m = Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(v);
        if (!m.matches()) {
            throw new Usage("--" + name + " '" + v + "' is not a duration like 500ms, 2s or 1m");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.isZero()) {
            throw new Usage("--" + name + " must be positive");
        }
        return d;
    }
}
