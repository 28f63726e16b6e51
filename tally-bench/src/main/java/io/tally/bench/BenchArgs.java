package io.tally.bench;

/** {@code --name value} command-line arguments of the benchmarks. */
final class BenchArgs {

    private BenchArgs() {
    }

    static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                try {
                    return Integer.parseInt(args[i + 1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + " needs a number, not '" + args[i + 1] + "'");
                }
            }
        }
        return dflt;
    }

    /** The p-th percentile (0..100) of sorted values. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
