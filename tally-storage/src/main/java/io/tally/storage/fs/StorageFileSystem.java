package io.tally.storage.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations Tally's storage needs, and nothing more, so that the same storage code runs on the
 * real disk ({@link NioFileSystem}) and on the simulator's disk, which models the page cache: until
 * {@link StorageFile#force()} (or {@link #syncDirectory} for names) returns, a write may be lost or torn by a
 * crash.
 *
 * <p>Paths are those of {@link java.nio.file.Path}; implementations interpret them as they see fit (the
 * simulated one keeps them in memory). Every method may throw {@link IOException}; an error from
 * {@code force} or {@code syncDirectory} must be treated as fatal by the caller (never retried).
 */
public interface StorageFileSystem {

    /** Opens a file for reading and writing, creating it (empty) when {@code create} and it does not exist. */
    StorageFile open(Path file, boolean create) throws IOException;

    boolean exists(Path path) throws IOException;

    /** Names (not paths) of the entries of a directory, sorted. */
    List<String> list(Path dir) throws IOException;

    void createDirectories(Path dir) throws IOException;

    /**
     * Renames atomically, replacing {@code to} if it exists. The new name is durable only after
     * {@link #syncDirectory} on the parent.
     */
    void rename(Path from, Path to) throws IOException;

    /** Deletes a file or an empty directory; no error if absent. Durable after {@link #syncDirectory}. */
    void delete(Path path) throws IOException;

    /** Makes the directory's entries (creations, renames, deletions) durable. */
    void syncDirectory(Path dir) throws IOException;

    /**
     * Creates {@code dir} and any missing ancestors so that they survive a crash: a new directory's name is
     * durable only once its parent is synced, outermost first (a store whose directory vanished would come back
     * as a brand-new node that forgot its votes).
     */
    default void createDirectoriesDurably(Path dir) throws IOException {
        java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = dir; p != null && !exists(p); p = p.getParent()) {
            missing.push(p);
        }
        if (missing.isEmpty()) {
            return;
        }
        createDirectories(dir);
        for (Path created : missing) {
            if (created.getParent() != null) {
                syncDirectory(created.getParent());
            }
        }
    }
}
