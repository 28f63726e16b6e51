package io.tally.server.datadir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** What the offline tools share about data directories: their layout, the lock a running node holds, emptiness. */
final class DataDirectories {

    static final String LOG = "log";
    static final String STABLE = "stable";
    static final String SNAPSHOTS = "snapshots";
    /** The file a running node locks ({@code TallyNode}); an offline tool takes the same lock. */
    static final String LOCK = "LOCK";

    private DataDirectories() {
    }

    /** Whether {@code dir} is absent or an empty directory. */
    static boolean absentOrEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /**
     * Locks {@code dir} as a running node does; the returned channel holds the lock until closed.
     *
     * @throws DataDirectoryToolException if a node (or another tool) has it
     */
    static FileChannel lock(Path dir) throws IOException, DataDirectoryToolException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new DataDirectoryToolException("data directory " + dir + " is in use (a node runs on it): stop it first");
        }
        return ch;
    }

    /** Deletes {@code p} and everything under it, if it exists. */
    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** Makes the entries of {@code dir} (a rename into it) durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
