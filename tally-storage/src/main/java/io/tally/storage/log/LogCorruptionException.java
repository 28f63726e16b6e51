package io.tally.storage.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The log's files hold data that neither a clean shutdown nor a crash can explain (a flipped bit, a zeroed
 * sector in the middle of synced data, a missing segment...). The store refuses to start rather than guess:
 * an operator must restore the node's data (or wipe it and let the node catch up from the cluster).
 */
public final class LogCorruptionException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final long index;

    /**
     * @param what   what is corrupt, e.g. "log record" or "segment header"
     * @param file   the file holding the bad bytes
     * @param offset byte offset of the bad structure in that file
     * @param index  the entry index expected there, or -1 when the structure holds no entry
     * @param detail which check failed, and what the store does about it
     */
    public LogCorruptionException(String what, Path file, long offset, long index, String detail) {
        super("corrupt " + what + " in " + file + " at offset " + offset + (index >= 0 ? " (entry " + index + ")" : "")
                + ": " + detail);
        this.file = file;
        this.offset = offset;
        this.index = index;
    }

    /** The file holding the bad bytes. */
    public Path file() {
        return file;
    }

    /** Byte offset of the bad record (or header, or small file) within {@link #file()}. */
    public long offset() {
        return offset;
    }

    /** Index of the entry expected at {@link #offset()}, or -1 when the bad structure holds no entry. */
    public long index() {
        return index;
    }
}
