package io.tally.storage.snapshot;

import io.tally.raft.storage.SnapshotMeta;
import io.tally.raft.storage.SnapshotStore;
import io.tally.storage.StorageCorruptionException;
import io.tally.storage.fs.StorageFile;
import io.tally.storage.fs.StorageFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * A {@link SnapshotStore} on files: one directory per committed snapshot, named
 * {@code snapshot-<lastIndex %020d>-<lastTerm %020d>}, holding {@code data} (the state-machine bytes) and
 * {@code meta} (see {@link SnapshotMetaFormat}).
 *
 * <p><b>Writing.</b> {@link #create} starts a sink writing {@code tmp-<n>/data}, streaming (a 64 KiB buffer)
 * and computing the data's CRC32C as bytes go by. {@link SnapshotSink#commit()} forces {@code data}, writes
 * and forces {@code meta}, syncs the tmp directory (both names durable inside it), renames the tmp
 * directory to its final name and syncs the store directory: only that rename publishes the snapshot, and
 * it is durable when commit returns. Then snapshots beyond the newest {@code retain} are renamed to
 * {@code tmp-<n>}, the store directory is synced again (so they are gone as a whole, never half-deleted),
 * and their files are deleted. Closing an uncommitted sink deletes its tmp directory; {@link #open} deletes
 * every leftover {@code tmp-*} (abandoned writes and interrupted deletions).
 *
 * <p><b>Reading.</b> {@link #open(SnapshotMeta)} returns a stream that checks the data's length and CRC32C
 * before handing out its last chunk and throws {@link StorageCorruptionException} on a mismatch.
 *
 * <p><b>Corruption.</b> {@link #open} scans the directory once and validates every snapshot's {@code meta}
 * (checksum, version, name matching its content, {@code data} present with the recorded size). A snapshot
 * that fails is logged as a warning and never listed or opened; it is left on disk for inspection until
 * retention would have removed it (when it is older than every retained snapshot). The store is the only
 * writer of its directory, so {@link #list} answers from the scan kept up to date by commits.
 *
 * <p><b>Failure.</b> An {@link IOException} once a commit has started renaming (or, keeping a held copy,
 * deleting the new one) leaves the store failed: every later call throws (a failed fsync is never retried). An
 * error while a sink writes its tmp directory fails only that sink, and so does an error other than damage
 * while a commit reads a held copy to verify it. A snapshot deleted by retention while a stream reads it may
 * fail that read on file systems that do not keep unlinked files readable.
 *
 * <p><b>Committing a snapshot the store already holds</b> (same lastIndex and lastTerm, e.g. a follower that
 * receives again a snapshot it has) keeps the held copy when it verifies (its meta re-read and checked, every
 * byte of its data read through the verifying stream): by Raft (paper, section 7) a snapshot holds only
 * committed entries, so both copies hold the same state. The new copy is deleted and the held meta returned;
 * nothing is renamed, so no crash can lose the snapshot. Only a damaged held copy (its data fails verification,
 * or its meta was refused at open) is replaced: it is renamed to {@code damaged-<lastIndex>-<lastTerm>}, the
 * store directory synced, the new copy renamed into place and the directory synced again. {@link #open} renames
 * a {@code damaged-*} directory back when its snapshot's name is free (the crash came before the new copy's
 * rename was durable) and deletes it otherwise, so a crash leaves either the damaged copy or the new complete
 * one under the snapshot's name, never neither. A commit also removes committed snapshots with the same
 * lastIndex and another term.
 *
 * <p>Public methods of the store are synchronized; a sink may be written from another thread.
 */
public final class FileSnapshotStore implements SnapshotStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

    static final String DATA = "data";
    static final String META = "meta";
    static final String TMP_PREFIX = "tmp-";
    static final String SNAPSHOT_PREFIX = "snapshot-";
    /** A damaged snapshot set aside while a complete copy replaces it; see {@link #settleReplacements}. */
    static final String DAMAGED_PREFIX = "damaged-";
    private static final int NUMBER_DIGITS = 20;
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    /** Newest (highest lastIndex, then lastTerm) first. */
    private static final Comparator<SnapshotMeta> NEWEST_FIRST = Comparator
            .comparingLong(SnapshotMeta::lastIndex).thenComparingLong(SnapshotMeta::lastTerm).reversed();

    private final StorageFileSystem fs;
    private final Path dir;
    private final int retain;
    /** Valid committed snapshots, newest first. */
    private final List<Committed> committed = new ArrayList<>();
    /** Snapshot directories that failed validation at open (kept for inspection). */
    private final List<Corrupt> corrupt = new ArrayList<>();
    private long nextTmp;
    private IOException failure;
    private boolean closed;

    private FileSnapshotStore(StorageFileSystem fs, Path dir, int retain) {
        this.fs = fs;
        this.dir = dir;
        this.retain = retain;
    }

    /**
     * Opens the store in {@code dir} (creating it durably if needed), keeping the newest {@code retain}
     * (>= 1) snapshots. Deletes leftover {@code tmp-*} directories and validates every snapshot's meta;
     * invalid snapshots are logged and ignored.
     */
    public static FileSnapshotStore open(StorageFileSystem fs, Path dir, int retain) throws IOException {
        Objects.requireNonNull(fs, "fs");
        Objects.requireNonNull(dir, "dir");
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be >= 1, was " + retain);
        }
        fs.createDirectoriesDurably(dir);
        FileSnapshotStore store = new FileSnapshotStore(fs, dir, retain);
        store.scan();
        return store;
    }

    private void scan() throws IOException {
        boolean changed = settleReplacements();
        for (String name : fs.list(dir)) {
            Path path = dir.resolve(name);
            if (name.startsWith(TMP_PREFIX)) {
                LOG.info("deleting {} (an abandoned snapshot write or an interrupted deletion)", path);
                deleteTree(fs, path);
                changed = true;
                continue;
            }
            if (name.startsWith(DAMAGED_PREFIX)) {
                continue; // settled above, or not ours (logged there)
            }
            long[] id = parseName(name);
            if (id == null) {
                LOG.warn("ignoring {}: not a snapshot directory", path);
                continue;
            }
            try {
                committed.add(validate(path, id[0], id[1]));
            } catch (StorageCorruptionException e) {
                LOG.warn("ignoring snapshot {}: {}", path, e.getMessage());
                corrupt.add(new Corrupt(name, id[0], id[1]));
            }
        }
        if (changed) {
            fs.syncDirectory(dir);
        }
        committed.sort(Comparator.comparing(Committed::meta, NEWEST_FIRST));
    }

    /**
     * Finishes or undoes the replacements of damaged snapshots that a crash interrupted (see {@link #install}).
     * {@code damaged-<i>-<t>} is the damaged copy of {@code snapshot-<i>-<t>}, set aside (and synced) before the
     * new copy was renamed to that name. If the name is taken, it is by the new copy, complete: the damaged one
     * is deleted. If it is free, the new copy's rename was not durable (the new copy is a {@code tmp-*}, deleted
     * by the scan): the damaged copy is renamed back, so the store is as it was before that commit. Returns
     * whether the directory changed (the caller syncs it).
     */
    private boolean settleReplacements() throws IOException {
        boolean changed = false;
        for (String name : fs.list(dir)) {
            if (!name.startsWith(DAMAGED_PREFIX)) {
                continue;
            }
            Path path = dir.resolve(name);
            String snapshot = SNAPSHOT_PREFIX + name.substring(DAMAGED_PREFIX.length());
            if (parseName(snapshot) == null) {
                LOG.warn("ignoring {}: not a snapshot directory", path);
                continue;
            }
            if (fs.exists(dir.resolve(snapshot))) {
                LOG.info("deleting {} (a damaged snapshot, replaced by {})", path, snapshot);
                deleteTree(fs, path);
            } else {
                LOG.warn("renaming {} back to {} (a crash interrupted its replacement)", path, snapshot);
                fs.rename(path, dir.resolve(snapshot));
            }
            changed = true;
        }
        return changed;
    }

    /** Reads and checks the meta of a committed snapshot directory. */
    private Committed validate(Path snapshotDir, long lastIndex, long lastTerm) throws IOException {
        Path metaPath = snapshotDir.resolve(META);
        Path dataPath = snapshotDir.resolve(DATA);
        if (!fs.exists(metaPath)) {
            throw new StorageCorruptionException(metaPath, "missing");
        }
        byte[] bytes;
        try (StorageFile f = fs.open(metaPath, false)) {
            long size = f.size();
            if (size > SnapshotMetaFormat.MAX_META_BYTES) {
                throw new StorageCorruptionException(metaPath, "file is " + size + " bytes, longer than any meta");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            f.readFully(buf, 0);
            bytes = buf.array();
        }
        SnapshotMetaFormat.Decoded decoded = SnapshotMetaFormat.decode(metaPath, bytes);
        SnapshotMeta meta = decoded.meta();
        if (meta.lastIndex() != lastIndex || meta.lastTerm() != lastTerm) {
            throw new StorageCorruptionException(metaPath, "describes index " + meta.lastIndex() + " term "
                    + meta.lastTerm() + " but its directory is " + snapshotDir.getFileName());
        }
        if (!fs.exists(dataPath)) {
            throw new StorageCorruptionException(dataPath, "missing");
        }
        long dataSize;
        try (StorageFile f = fs.open(dataPath, false)) {
            dataSize = f.size();
        }
        if (dataSize != meta.sizeBytes()) {
            throw new StorageCorruptionException(dataPath, "data is " + dataSize + " bytes, meta says "
                    + meta.sizeBytes());
        }
        return new Committed(snapshotDir.getFileName().toString(), meta, decoded.dataCrc());
    }

    @Override
    public synchronized SnapshotSink create(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(meta.configuration(), "meta.configuration");
        if (meta.lastIndex() < 0 || meta.lastTerm() < 0) {
            throw new IllegalArgumentException("negative lastIndex or lastTerm in " + meta);
        }
        checkUsable();
        Path tmpDir = newTmpPath();
        fs.createDirectories(tmpDir);
        StorageFile data = null;
        try {
            data = fs.open(tmpDir.resolve(DATA), true);
            data.truncate(0);
            return new Sink(meta, tmpDir, data);
        } catch (IOException | RuntimeException e) {
            if (data != null) {
                closeQuietly(data);
            }
            deleteQuietly(tmpDir);
            throw e;
        }
    }

    @Override
    public synchronized List<SnapshotMeta> list() throws IOException {
        checkUsable();
        List<SnapshotMeta> metas = new ArrayList<>(committed.size());
        for (Committed c : committed) {
            metas.add(c.meta());
        }
        return metas;
    }

    /**
     * Opens the data of a committed snapshot, matched by lastIndex and lastTerm.
     *
     * @throws FileNotFoundException       if no such snapshot is retained
     * @throws StorageCorruptionException if the data file does not have the recorded size (the stream
     *                                     itself checks the CRC32C)
     */
    @Override
    public synchronized InputStream open(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        checkUsable();
        for (Committed c : committed) {
            if (c.meta().lastIndex() == meta.lastIndex() && c.meta().lastTerm() == meta.lastTerm()) {
                Path dataPath = dir.resolve(c.name()).resolve(DATA);
                StorageFile f = fs.open(dataPath, false);
                try {
                    long size = f.size();
                    if (size != c.meta().sizeBytes()) {
                        throw new StorageCorruptionException(dataPath, "data is " + size + " bytes, meta says "
                                + c.meta().sizeBytes());
                    }
                    return new VerifyingInputStream(f, dataPath, size, c.dataCrc());
                } catch (IOException | RuntimeException e) {
                    closeQuietly(f);
                    throw e;
                }
            }
        }
        throw new FileNotFoundException("no snapshot at index " + meta.lastIndex() + " term " + meta.lastTerm()
                + " in " + dir + "; retained: " + committed.stream().map(Committed::name).toList());
    }

    /** Further calls throw; sinks still open can no longer commit (their tmp directories go at next open). */
    @Override
    public synchronized void close() {
        closed = true;
    }

    /** The directory this store lives in. */
    public Path directory() {
        return dir;
    }

    @Override
    public synchronized String toString() {
        return "FileSnapshotStore{" + dir + ", retained " + committed.stream().map(Committed::name).toList() + "}";
    }

    /**
     * Publishes a snapshot whose tmp directory is complete and synced: renames it into place, syncs the
     * store directory, then applies retention. If the store already holds a copy of this snapshot that
     * verifies, that copy is kept instead and the tmp directory deleted (see the class comment).
     */
    private synchronized SnapshotMeta install(Path tmpDir, SnapshotMeta meta, int dataCrc) throws IOException {
        checkUsable();
        String name = snapshotName(meta.lastIndex(), meta.lastTerm());
        Path target = dir.resolve(name);
        Committed held = null;
        for (Committed c : committed) {
            if (c.name().equals(name)) {
                held = c;
            }
        }
        Committed intact;
        try {
            intact = held == null ? null : verifiedOrNull(held);
        } catch (IOException | RuntimeException e) {
            // Nothing renamed yet: this commit fails alone, as a failed write would; the held copy stays listed.
            deleteQuietly(tmpDir);
            throw e;
        }

        Committed installed;
        List<String> victims = new ArrayList<>();
        List<Path> trash = new ArrayList<>();
        if (intact != null) {
            // The same lastIndex and lastTerm hold the same state (Raft, section 7), and the held copy is durable
            // and verified: keep it. Nothing is renamed, so no crash here can leave the store without it.
            if (intact.meta().sizeBytes() != meta.sizeBytes() || intact.dataCrc() != dataCrc) {
                LOG.warn("snapshot {} is already held; keeping it, although the new copy differs ({} bytes, crc "
                                + "{}; held: {} bytes, crc {})", target, meta.sizeBytes(), Integer.toHexString(dataCrc),
                        intact.meta().sizeBytes(), Integer.toHexString(intact.dataCrc()));
            } else {
                LOG.info("snapshot {} is already held and verifies; keeping it", target);
            }
            installed = intact;
            trash.add(tmpDir);
        } else {
            try {
                if (fs.exists(target)) {
                    // A damaged copy. Directories cannot be renamed over one another: set it aside under a name
                    // that open renames back while the snapshot's name is free, and make that durable before the
                    // new copy takes the name. A crash then leaves the damaged copy or the new one, never neither,
                    // without relying on the file system to keep the order of two renames.
                    Path aside = dir.resolve(damagedName(name));
                    fs.rename(target, aside);
                    fs.syncDirectory(dir);
                    victims.add(aside.getFileName().toString());
                }
                fs.rename(tmpDir, target);
                fs.syncDirectory(dir);
            } catch (IOException | RuntimeException e) {
                throw fail(e);
            }
            installed = new Committed(name, meta, dataCrc);
        }

        // The snapshot is durable under its name; update the view, then remove what it makes obsolete.
        for (Committed c : committed) {
            if (c.meta().lastIndex() == meta.lastIndex() && !c.name().equals(name)) {
                victims.add(c.name()); // same index, another term: superseded
            }
        }
        committed.removeIf(c -> c.meta().lastIndex() == meta.lastIndex());
        corrupt.removeIf(c -> c.name().equals(name)); // its damaged copy was set aside above
        committed.add(installed);
        committed.sort(Comparator.comparing(Committed::meta, NEWEST_FIRST));
        while (committed.size() > retain) {
            victims.add(committed.remove(committed.size() - 1).name());
        }
        SnapshotMeta oldestKept = committed.get(committed.size() - 1).meta();
        corrupt.removeIf(c -> {
            boolean older = c.lastIndex() < oldestKept.lastIndex()
                    || (c.lastIndex() == oldestKept.lastIndex() && c.lastTerm() < oldestKept.lastTerm());
            if (older) {
                victims.add(c.name());
            }
            return older;
        });

        try {
            if (!victims.isEmpty()) {
                // Rename first, sync, then delete: a crash never leaves a half-deleted snapshot under its
                // committed name, and the tmp name makes the next open finish the job.
                for (String victim : victims) {
                    Path aside = newTmpPath();
                    fs.rename(dir.resolve(victim), aside);
                    trash.add(aside);
                }
                fs.syncDirectory(dir);
            }
            for (Path t : trash) {
                deleteTree(fs, t);
            }
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        }
        return installed.meta();
    }

    /**
     * Checks a held snapshot again from the disk: its meta as {@link #validate} does at open, then every byte
     * of its data through {@link VerifyingInputStream} (size and CRC32C). Returns it as re-read, or null if it
     * is damaged. Reads the whole snapshot (with bounded buffers), holding the store's lock.
     *
     * @throws IOException if it cannot be read for a reason other than damage
     */
    private Committed verifiedOrNull(Committed held) throws IOException {
        Path snapshotDir = dir.resolve(held.name());
        try {
            Committed onDisk = validate(snapshotDir, held.meta().lastIndex(), held.meta().lastTerm());
            Path dataPath = snapshotDir.resolve(DATA);
            StorageFile f = fs.open(dataPath, false);
            try (InputStream in = new VerifyingInputStream(f, dataPath, onDisk.meta().sizeBytes(), onDisk.dataCrc())) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return onDisk;
        } catch (StorageCorruptionException e) {
            LOG.warn("snapshot {} is held but damaged; replacing it with the new copy: {}", snapshotDir,
                    e.getMessage());
            return null;
        }
    }

    private IOException fail(Exception e) {
        failure = e instanceof IOException io ? io : new IOException(e);
        return failure;
    }

    private void checkUsable() throws IOException {
        if (failure != null) {
            throw new IOException("snapshot store " + dir + " failed earlier and cannot be used", failure);
        }
        if (closed) {
            throw new IOException("snapshot store " + dir + " is closed");
        }
    }

    private synchronized Path newTmpPath() throws IOException {
        while (true) {
            Path p = dir.resolve(TMP_PREFIX + nextTmp++);
            if (!fs.exists(p)) {
                return p;
            }
        }
    }

    private void deleteQuietly(Path path) {
        try {
            deleteTree(fs, path);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not delete {} (it will be deleted at the next open): {}", path, e.toString());
        }
    }

    private static void closeQuietly(StorageFile f) {
        try {
            f.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing a snapshot file failed", e);
        }
    }

    /** {@code snapshot-%020d-%020d}. */
    static String snapshotName(long lastIndex, long lastTerm) {
        return String.format("%s%020d-%020d", SNAPSHOT_PREFIX, lastIndex, lastTerm);
    }

    /** {@code damaged-%020d-%020d}, the name a damaged snapshot is set aside under while it is replaced. */
    static String damagedName(String snapshotName) {
        return DAMAGED_PREFIX + snapshotName.substring(SNAPSHOT_PREFIX.length());
    }

    /** {lastIndex, lastTerm} of a snapshot directory name, or null if it is not one. */
    static long[] parseName(String name) {
        int length = SNAPSHOT_PREFIX.length() + NUMBER_DIGITS + 1 + NUMBER_DIGITS;
        if (name.length() != length || !name.startsWith(SNAPSHOT_PREFIX)
                || name.charAt(SNAPSHOT_PREFIX.length() + NUMBER_DIGITS) != '-') {
            return null;
        }
        String index = name.substring(SNAPSHOT_PREFIX.length(), SNAPSHOT_PREFIX.length() + NUMBER_DIGITS);
        String term = name.substring(SNAPSHOT_PREFIX.length() + NUMBER_DIGITS + 1);
        if (!index.chars().allMatch(ch -> ch >= '0' && ch <= '9') || !term.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(index), Long.parseLong(term)};
        } catch (NumberFormatException e) {
            return null; // beyond Long.MAX_VALUE
        }
    }

    /**
     * Deletes a file, or a directory and everything in it. The file system deletes only files and empty
     * directories and cannot tell them apart, so a path that cannot be listed is deleted as a file.
     */
    static void deleteTree(StorageFileSystem fs, Path path) throws IOException {
        if (!fs.exists(path)) {
            return;
        }
        List<String> children;
        try {
            children = fs.list(path);
        } catch (IOException notADirectory) {
            fs.delete(path);
            return;
        }
        for (String child : children) {
            deleteTree(fs, path.resolve(child));
        }
        fs.delete(path);
    }


    private record Committed(String name, SnapshotMeta meta, int dataCrc) {
    }

    private record Corrupt(String name, long lastIndex, long lastTerm) {
    }

    private enum SinkState { OPEN, COMMITTED, CLOSED }

    /** Streams the data into {@code tmp-<n>/data}; see the class comment for what commit does. */
    private final class Sink implements SnapshotSink {
        private final SnapshotMeta meta;
        private final Path tmpDir;
        private final StorageFile data;
        private final CRC32C crc = new CRC32C();
        private final ByteBuffer buffer = ByteBuffer.allocate(WRITE_BUFFER_BYTES);
        private long written;
        private SinkState state = SinkState.OPEN;
        private boolean outputClosed;
        private IOException writeFailure;

        private final OutputStream output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                synchronized (Sink.this) {
                    ensureWritable();
                    if (!buffer.hasRemaining()) {
                        flushBuffer();
                    }
                    buffer.put((byte) b);
                    crc.update(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                synchronized (Sink.this) {
                    ensureWritable();
                    crc.update(b, off, len);
                    if (len <= buffer.remaining()) {
                        buffer.put(b, off, len);
                        return;
                    }
                    flushBuffer();
                    if (len < buffer.capacity()) {
                        buffer.put(b, off, len);
                    } else {
                        writeToFile(ByteBuffer.wrap(b, off, len));
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                synchronized (Sink.this) {
                    ensureWritable();
                    flushBuffer();
                }
            }

            /** Flushes; later writes fail, but the sink can still be committed. */
            @Override
            public void close() throws IOException {
                synchronized (Sink.this) {
                    if (state == SinkState.OPEN && !outputClosed && writeFailure == null) {
                        flushBuffer();
                    }
                    outputClosed = true;
                }
            }
        };

        Sink(SnapshotMeta meta, Path tmpDir, StorageFile data) {
            this.meta = meta;
            this.tmpDir = tmpDir;
            this.data = data;
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public SnapshotMeta commit() throws IOException {
            SnapshotMeta finalMeta;
            synchronized (this) {
                if (state == SinkState.CLOSED) {
                    throw new IllegalStateException("snapshot sink for index " + meta.lastIndex() + " was closed");
                }
                if (state == SinkState.COMMITTED) {
                    throw new IllegalStateException("snapshot sink for index " + meta.lastIndex()
                            + " was already committed");
                }
                if (writeFailure != null) {
                    discard();
                    throw new IOException("writing snapshot " + tmpDir + " failed earlier", writeFailure);
                }
                try {
                    flushBuffer();
                    finalMeta = new SnapshotMeta(meta.lastIndex(), meta.lastTerm(), meta.configuration(), written);
                    data.force();
                    data.close();
                    byte[] metaBytes = SnapshotMetaFormat.encode(finalMeta, written, (int) crc.getValue());
                    try (StorageFile m = fs.open(tmpDir.resolve(META), true)) {
                        m.truncate(0);
                        m.write(ByteBuffer.wrap(metaBytes), 0);
                        m.force();
                    }
                    fs.syncDirectory(tmpDir);
                } catch (IOException | RuntimeException e) {
                    discard();
                    throw e;
                }
                // From here on the store owns the tmp directory: it renames it, or (if the store failed
                // or closed) it stays a tmp-* and the next open deletes it.
                state = SinkState.COMMITTED;
            }
            return install(tmpDir, finalMeta, (int) crc.getValue());
        }

        @Override
        public synchronized void close() {
            if (state == SinkState.OPEN) {
                discard();
            }
        }

        /** Abandons the write: closes the data file and deletes the tmp directory. */
        private void discard() {
            state = SinkState.CLOSED;
            closeQuietly(data);
            deleteQuietly(tmpDir);
        }

        private void ensureWritable() throws IOException {
            if (state != SinkState.OPEN || outputClosed) {
                throw new IOException("snapshot sink for index " + meta.lastIndex() + " is "
                        + (state == SinkState.OPEN ? "closed for output" : state.name().toLowerCase()));
            }
            if (writeFailure != null) {
                throw new IOException("writing snapshot " + tmpDir + " failed earlier", writeFailure);
            }
        }

        private void flushBuffer() throws IOException {
            if (buffer.position() == 0) {
                return;
            }
            buffer.flip();
            writeToFile(buffer);
            buffer.clear();
        }

        private void writeToFile(ByteBuffer src) throws IOException {
            int n = src.remaining();
            try {
                data.write(src, written);
            } catch (IOException | RuntimeException e) {
                writeFailure = e instanceof IOException io ? io : new IOException(e);
                throw e;
            }
            written += n;
        }
    }
}
