package io.tally.bench.compare;

import java.nio.file.Path;
import java.util.List;

/**
 * The command line of a library node process: {@code --index I --ports P1,P2,P3 --data DIR}. Node {@code I} (0-based)
 * listens on loopback port {@code P(I+1)}; its peers are the others.
 */
record NodeArgs(int index, List<Integer> ports, Path data) {

    static NodeArgs parse(String[] args) {
        Integer index = null;
        List<Integer> ports = null;
        Path data = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--index" -> index = Integer.parseInt(args[i + 1]);
                case "--ports" -> ports = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--data" -> data = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (index == null || ports == null || data == null || index < 0 || index >= ports.size()) {
            throw new IllegalArgumentException("usage: --index I --ports P1,P2,P3 --data DIR");
        }
        return new NodeArgs(index, ports, data);
    }

    static List<String> format(int index, int[] ports, Path data) {
        return List.of("--index", Integer.toString(index), "--ports",
                String.join(",", java.util.Arrays.stream(ports).mapToObj(Integer::toString).toList()), "--data", data.toString());
    }

    /** {@code "n1"}, {@code "n2"}, ...: the id of node {@code i}. */
    static String id(int i) {
        return "n" + (i + 1);
    }

    String id() {
        return id(index);
    }

    int port() {
        return ports.get(index);
    }
}
