package io.tally.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments split into positional ones and {@code --name value} (or {@code --name=value}) flags.
 * Unknown flags, a flag given twice, a flag without a value, and positional arguments where none are allowed
 * are usage errors.
 */
public record Flags(List<String> positional, Map<String, String> values) {

    public static Flags parse(String[] args, Set<String> known, boolean positionalAllowed) throws UsageException {
        return parse(args, known, Set.of(), positionalAllowed);
    }

    /**
     * As {@link #parse(String[], Set, boolean)}, where the flags in {@code switches} take no value: {@code --name}
     * alone records "true" ({@code --name=false} is allowed too).
     */
    public static Flags parse(String[] args, Set<String> known, Set<String> switches, boolean positionalAllowed)
            throws UsageException {
        List<String> positional = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                if (!positionalAllowed) {
                    throw new UsageException("unexpected argument '" + a + "'");
                }
                positional.add(a);
                continue;
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
                if (switches.contains(name) && !value.equals("true") && !value.equals("false")) {
                    throw new UsageException("flag --" + name + " is true or false, not '" + value + "'");
                }
            } else if (switches.contains(name)) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException("flag --" + name + " needs a value");
            }
            if (!known.contains(name)) {
                throw new UsageException("unknown flag --" + name);
            }
            if (values.put(name, value) != null) {
                throw new UsageException("flag --" + name + " given twice");
            }
        }
        return new Flags(positional, values);
    }
}
