package io.tally.server.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The client flags given before the command's name, as etcdctl takes them ({@code ./tally --cacert ca.pem get hello}),
 * moved to where picocli reads them: after the command's words, before a {@code --} that ends the options. Only the
 * flags of {@link ClientOptions} move, each with its value ({@code --flag VALUE} or {@code --flag=VALUE}); anything
 * else stays where it is, so that picocli judges it.
 */
final class LeadingFlags {

    static final Set<String> CLIENT_FLAGS = Set.of("--endpoints", "--timeout", "--cacert", "--cert", "--key", "--user",
            "--token");

    private LeadingFlags() {
    }

    static String[] moved(String[] args) {
        List<String> leading = new ArrayList<>();
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = eq < 0 ? a : a.substring(0, eq);
            if (!CLIENT_FLAGS.contains(name)) {
                break;
            }
            if (eq >= 0) {
                leading.add(a);
                i++;
            } else if (i + 1 < args.length) {
                leading.add(a);
                leading.add(args[i + 1]);
                i += 2;
            } else {
                break; // a flag without its value: picocli says so
            }
        }
        if (leading.isEmpty() || i == args.length) {
            return args; // nothing moved, or no command after the flags: picocli's usage error names them
        }
        List<String> out = new ArrayList<>();
        int end = args.length;
        for (int j = i; j < args.length; j++) {
            if (args[j].equals("--")) {
                end = j;
                break;
            }
        }
        for (int j = i; j < end; j++) {
            out.add(args[j]);
        }
        out.addAll(leading);
        for (int j = end; j < args.length; j++) {
            out.add(args[j]);
        }
        return out.toArray(String[]::new);
    }
}
