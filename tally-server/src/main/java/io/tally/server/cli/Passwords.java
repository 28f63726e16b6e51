package io.tally.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Passwords the commands ask for: on the terminal (not echoed), or from standard input ({@code -}). */
final class Passwords {

    private Passwords() {
    }

    /** Asks on the terminal; a usage error when there is none (a script must give the password another way). */
    static String prompt(String what) {
        java.io.Console terminal = System.console();
        if (terminal == null) {
            throw CliFailure.usage("no terminal to ask for the " + what + " on: give it on the command line "
                    + "(--user NAME:PASSWORD, --password P, or --password - to read it from standard input)");
        }
        char[] typed = terminal.readPassword("%s: ", what);
        if (typed == null) {
            throw CliFailure.usage("no " + what + " was typed");
        }
        return new String(typed);
    }

    /** Asks twice on the terminal, for a new password; they must match. */
    static String promptNew(String what) {
        String first = prompt(what);
        String again = prompt(what + " (again)");
        if (!first.equals(again)) {
            throw CliFailure.usage("the two passwords typed differ; nothing changed");
        }
        return first;
    }

    /** The first line of standard input, without its line break. */
    static String stdin(Console console) {
        try {
            String all = new String(console.in().readAllBytes(), StandardCharsets.UTF_8);
            int nl = all.indexOf('\n');
            String line = nl < 0 ? all : all.substring(0, nl);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty()) {
                throw CliFailure.usage("standard input holds no password");
            }
            return line;
        } catch (IOException e) {
            throw CliFailure.usage("cannot read the password from standard input: " + e.getMessage());
        }
    }

    /** {@code --password}: the value, {@code -} for standard input, absent for the terminal. */
    static String of(String option, Console console, String what) {
        if (option == null) {
            return promptNew(what);
        }
        if (option.equals("-")) {
            return stdin(console);
        }
        return option;
    }
}
