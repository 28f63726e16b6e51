package io.tally.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Values given on the command line: {@code -} reads standard input to its end, {@code @FILE} reads the file, and
 * anything else is the value itself, in UTF-8. {@code --literal} takes the argument as it is, even {@code -} or a
 * leading {@code @}; a value starting with {@code --} follows {@code --}, which ends the options.
 */
final class Values {

    private Values() {
    }

    static byte[] read(String arg, boolean literal, Console console) {
        if (literal) {
            return arg.getBytes(StandardCharsets.UTF_8);
        }
        if (arg.equals("-")) {
            try {
                return console.in().readAllBytes();
            } catch (IOException e) {
                throw CliFailure.usage("cannot read the value from standard input: " + e.getMessage());
            }
        }
        if (arg.startsWith("@")) {
            return file(arg.substring(1));
        }
        return arg.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] file(String name) {
        if (name.isEmpty()) {
            throw CliFailure.usage("'@' names no file: write @FILE (or --literal for a value that starts with @)");
        }
        Path p = Path.of(name);
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw CliFailure.usage("no such file: " + name);
        } catch (IOException | RuntimeException e) {
            throw CliFailure.usage("cannot read " + name + ": " + e.getMessage());
        }
    }
}
