package io.tally.server.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** Where a command reads values and writes results and messages: the process's streams, or a test's. */
record Console(InputStream in, PrintStream out, PrintStream err) {

    static Console system() {
        return new Console(System.in, System.out, System.err);
    }
}
