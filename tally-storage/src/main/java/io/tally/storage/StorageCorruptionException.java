package io.tally.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Stored data failed its checks (checksum, format version, length, structure). Unlike a missing file, this
 * is never treated as "empty": the data was written and is now unreadable, so the node must stop rather
 * than continue with state it may have promised to keep (a vote, a committed entry, a snapshot).
 */
public class StorageCorruptionException extends IOException {

    private final Path file;
    private final String problem;

    public StorageCorruptionException(Path file, String problem) {
        this(file, problem, null);
    }

    public StorageCorruptionException(Path file, String problem, Throwable cause) {
        super("corrupt " + file + ": " + problem, cause);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The file (or directory) whose content failed its checks. */
    public Path file() {
        return file;
    }

    /** What was wrong, without the file name. */
    public String problem() {
        return problem;
    }
}
