package io.tally.server.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code ./tally} command lines in this JVM, with their own streams, for tests. */
record CliRun(int exit, byte[] outBytes, String err) {

    String out() {
        return new String(outBytes, StandardCharsets.UTF_8);
    }

    List<String> lines() {
        return out().lines().toList();
    }

    @Override
    public String toString() {
        return "exit " + exit + "\nout: " + out() + "\nerr: " + err;
    }

    static CliRun run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Tally.execute(new Console(new ByteArrayInputStream(stdin), o, e), args);
        }
        return new CliRun(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    static CliRun run(String... args) {
        return run(new byte[0], args);
    }

    /** {@code command...} then {@code --endpoints} and {@code rest}: the client flags after the command's name. */
    static String[] at(String endpoints, List<String> command, String... rest) {
        List<String> all = new ArrayList<>(command);
        all.add("--endpoints");
        all.add(endpoints);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
