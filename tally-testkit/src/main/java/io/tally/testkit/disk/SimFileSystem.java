package io.tally.testkit.disk;

import io.tally.storage.fs.StorageFile;
import io.tally.storage.fs.StorageFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * An in-memory disk that models the page cache, for the deterministic simulator.
 *
 * <p><b>Files.</b> Each file has <em>durable</em> content (its bytes as of its last {@link StorageFile#force()})
 * and the list of <em>unsynced</em> operations since then (writes and truncations). Reads see the durable
 * content with the unsynced operations applied (the page cache); {@code force()} folds them into the durable
 * content. Writing beyond the end extends the file with zeros.
 *
 * <p><b>Directories.</b> Each directory has durable entries (name to file or directory) and the list of
 * pending entry operations (create, rename, delete) not yet made durable by {@link #syncDirectory}. Lookups
 * and listings see the pending view. As in POSIX, forcing a file does not make its name durable: a file
 * created and forced whose directory was never synced may be lost entirely by a crash, and so is everything
 * under a directory whose own entry was never synced. A rename is one operation: after a crash exactly one
 * of the old and the new name survives. A rename between two directories is pending in both and becomes
 * durable when either is synced. Syncing a directory also makes durable every earlier pending operation
 * that a rename it commits is ordered after (as a journal would), so the durable state is always reachable.
 *
 * <p><b>Crashes.</b> {@link #crash(RandomGenerator)} returns a new instance holding what survives and kills
 * this one: every later call on it or on its open files throws {@code IOException("crashed")}, so a zombie
 * node cannot write. Of each file's unsynced operations a random prefix survives (k whole operations, k
 * uniform in [0, n]), and with probability 1/2 the next one is torn: if it is a write, a random prefix of
 * 0..len-1 of its bytes lands. Of each directory's pending operations a random prefix survives (a rename
 * between two directories survives only if it is in the surviving prefix of both, and the prefixes shrink
 * until that holds). The random choices are drawn in a fixed order (directories, then files, each in order
 * of creation), so a crash is reproduced by the generator's seed.
 *
 * <p><b>Faults.</b> {@link #flipBit} / {@link #flipRandomBit} corrupt durable content as bad media would;
 * {@link #setCapacity} makes writes that would grow the total size of all files past the capacity fail with
 * {@code IOException("No space left on device")}, writing nothing; {@link #setFailSync} makes every
 * {@code force()} and {@code syncDirectory()} fail with {@code IOException("simulated fsync failure")}.
 *
 * <p><b>Operation hook.</b> {@link #setOperationListener} installs a listener called before every call that
 * may change the disk. It can count a code path's operations, and crash the disk right at any one of them
 * (the call then fails and changes nothing), so that a test can enumerate every crash point.
 *
 * <p>Paths are only names: they are made absolute (relative ones are taken from {@code /}) and normalized.
 * The root directory always exists. Methods are synchronized on this instance, so the file system may also
 * be used from real threads; in the simulator it is used from one.
 */
public final class SimFileSystem implements StorageFileSystem {

    /** The default capacity: no limit. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    /** Largest simulated file (content is kept in a Java array). */
    static final int MAX_FILE_SIZE = Integer.MAX_VALUE - 16;

    private static final Path ROOT_PATH = Path.of("/");

    private final DirNode root;
    /** Directories with pending entry operations, by id (creation order), for deterministic crash draws. */
    private final TreeMap<Long, DirNode> dirsWithPending = new TreeMap<>();
    private long nextNodeId;
    private long nextOpSeq;
    private boolean dead;
    private long capacity = UNLIMITED;
    private boolean failSync;
    private Path ignoreDirectorySyncsUnder;
    private OperationListener operationListener;
    /** Sum of the current sizes of all linked files. */
    private long totalSize;
    private long syncCount;
    private long bytesWritten;

    /** An empty disk holding only the root directory. */
    public SimFileSystem() {
        root = new DirNode(nextNodeId++);
    }

    // ------------------------------------------------------------------ StorageFileSystem

    @Override
    public synchronized StorageFile open(Path file, boolean create) throws IOException {
        checkAlive();
        List<String> names = names(file);
        if (names.isEmpty()) {
            throw new FileSystemException(file.toString(), null, "Is a directory");
        }
        DirNode parent = parentDir(file, names);
        String name = names.get(names.size() - 1);
        Node node = parent.current.get(name);
        if (node instanceof DirNode) {
            throw new FileSystemException(file.toString(), null, "Is a directory");
        }
        FileNode f = (FileNode) node;
        if (f == null) {
            if (!create) {
                throw new NoSuchFileException(file.toString());
            }
            beforeOperation(Operation.CREATE_FILE, file.toString());
            f = new FileNode(nextNodeId++, new Bytes(0));
            f.linked = true;
            parent.current.put(name, f);
            record(new Link(parent, name, f));
        }
        return new SimFile(f, file.toString());
    }

    @Override
    public synchronized boolean exists(Path path) throws IOException {
        checkAlive();
        return lookup(names(path)) != null;
    }

    @Override
    public synchronized List<String> list(Path dir) throws IOException {
        checkAlive();
        return new ArrayList<>(existingDir(dir).current.keySet());
    }

    @Override
    public synchronized void createDirectories(Path dir) throws IOException {
        checkAlive();
        beforeOperation(Operation.CREATE_DIRECTORIES, dir.toString());
        DirNode d = root;
        for (String name : names(dir)) {
            Node child = d.current.get(name);
            if (child == null) {
                DirNode created = new DirNode(nextNodeId++);
                d.current.put(name, created);
                record(new Link(d, name, created));
                child = created;
            } else if (!(child instanceof DirNode)) {
                throw new FileAlreadyExistsException(dir.toString(), null, "a file is in the way");
            }
            d = (DirNode) child;
        }
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        checkAlive();
        beforeOperation(Operation.RENAME, from + " -> " + to);
        List<String> fromNames = names(from);
        List<String> toNames = names(to);
        if (fromNames.isEmpty() || toNames.isEmpty()) {
            throw new FileSystemException(from.toString(), to.toString(), "cannot rename the root directory");
        }
        Node node = lookup(fromNames);
        if (node == null) {
            throw new NoSuchFileException(from.toString());
        }
        if (fromNames.equals(toNames)) {
            return;
        }
        DirNode fromDir = parentDir(from, fromNames);
        DirNode toDir = parentDir(to, toNames);
        String fromName = fromNames.get(fromNames.size() - 1);
        String toName = toNames.get(toNames.size() - 1);
        Node existing = toDir.current.get(toName);
        if (node instanceof DirNode) {
            if (toNames.size() > fromNames.size() && toNames.subList(0, fromNames.size()).equals(fromNames)) {
                throw new FileSystemException(from.toString(), to.toString(), "cannot move a directory into itself");
            }
            if (existing instanceof FileNode) {
                throw new FileSystemException(from.toString(), to.toString(), "Not a directory");
            }
            if (existing instanceof DirNode d && !d.current.isEmpty()) {
                throw new DirectoryNotEmptyException(to.toString());
            }
        } else if (existing instanceof DirNode) {
            throw new FileSystemException(from.toString(), to.toString(), "Is a directory");
        }
        if (existing instanceof FileNode replaced) {
            unlinked(replaced);
        }
        fromDir.current.remove(fromName);
        toDir.current.put(toName, node);
        record(new Rename(fromDir, fromName, toDir, toName, node));
    }

    @Override
    public synchronized void delete(Path path) throws IOException {
        checkAlive();
        beforeOperation(Operation.DELETE, path.toString());
        List<String> names = names(path);
        if (names.isEmpty()) {
            throw new FileSystemException(path.toString(), null, "cannot delete the root directory");
        }
        Node node = lookup(names);
        if (node == null) {
            return;
        }
        if (node instanceof DirNode d && !d.current.isEmpty()) {
            throw new DirectoryNotEmptyException(path.toString());
        }
        DirNode parent = parentDir(path, names);
        String name = names.get(names.size() - 1);
        parent.current.remove(name);
        if (node instanceof FileNode f) {
            unlinked(f);
        }
        record(new Unlink(parent, name));
    }

    @Override
    public synchronized void syncDirectory(Path dir) throws IOException {
        checkAlive();
        beforeOperation(Operation.SYNC_DIRECTORY, dir.toString());
        DirNode d = existingDir(dir);
        if (failSync) {
            throw new IOException("simulated fsync failure");
        }
        if (ignoreDirectorySyncsUnder == null || !dir.startsWith(ignoreDirectorySyncsUnder)) {
            while (!d.pending.isEmpty()) {
                commit(d.pending.peekFirst());
            }
        }
        syncCount++;
    }

    // ------------------------------------------------------------------ crashes

    /**
     * Crashes the disk: returns a new instance holding what survives (see the class comment) and kills this
     * one. The capacity carries over; the fsync failure switch and the counters start afresh.
     *
     * @throws IllegalStateException if this instance has already crashed
     */
    public synchronized SimFileSystem crash(RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        return crash(new RandomCrash(random));
    }

    /** Crashes keeping only what was made durable (no unsynced write, truncation or entry operation survives). */
    public synchronized SimFileSystem crashLosingAllUnsynced() {
        return crash(new FixedCrash(false));
    }

    /** Crashes keeping everything, as if every file and directory had been synced just before. */
    public synchronized SimFileSystem crashKeepingAllUnsynced() {
        return crash(new FixedCrash(true));
    }

    /** True once this instance has crashed (every call on it now fails). */
    public synchronized boolean isCrashed() {
        return dead;
    }

    // ------------------------------------------------------------------ operation hook

    /** The calls an {@link OperationListener} sees. */
    public enum Operation {
        /** {@code open(file, true)} of a file that does not exist. */
        CREATE_FILE,
        CREATE_DIRECTORIES,
        RENAME,
        DELETE,
        SYNC_DIRECTORY,
        /** {@link StorageFile#write} of an open file. */
        WRITE,
        /** {@link StorageFile#truncate} of an open file. */
        TRUNCATE,
        /** {@link StorageFile#force} of an open file. */
        FORCE
    }

    /** Sees every call that may change the disk, before it acts; see {@link #setOperationListener}. */
    @FunctionalInterface
    public interface OperationListener {
        /**
         * @param operation the call about to act
         * @param path      the path it acts on as the caller gave it ({@code "from -> to"} for a rename)
         */
        void beforeOperation(Operation operation, String path);
    }

    /**
     * Installs {@code listener} (null removes it). It is called on the caller's thread, holding this
     * instance's lock, before every call that may change the disk: each {@link Operation}, counted per call
     * even when the call turns out to change nothing (a truncation to a larger size, the deletion of an absent
     * path, a rename of a missing file), but not for calls refused before they look at the disk (this instance
     * crashed, the file closed), nor for {@code open} of an existing file or any read.
     *
     * <p>The listener may crash this instance (with {@link #crash}, {@link #crashLosingAllUnsynced} or
     * {@link #crashKeepingAllUnsynced}, keeping the returned successor): the call it announced then throws
     * {@code IOException("crashed")} and changes nothing, as every later call does. So the k-th call seen is
     * "crash point k": what survives is what a crash just before that call would leave. A successor starts
     * without a listener.
     */
    public synchronized void setOperationListener(OperationListener listener) {
        operationListener = listener;
    }

    // ------------------------------------------------------------------ faults and counters

    /**
     * Flips bit {@code bit} (0..7) of the byte at {@code byteOffset} of the file's durable content, as media
     * corruption; reads see it unless an unsynced write covers that byte.
     */
    public synchronized void flipBit(Path file, long byteOffset, int bit) throws IOException {
        checkAlive();
        FileNode f = existingFile(file);
        if (bit < 0 || bit > 7) {
            throw new IllegalArgumentException("bit must be in 0..7: " + bit);
        }
        if (byteOffset < 0 || byteOffset >= f.durable.size) {
            throw new IllegalArgumentException("offset " + byteOffset + " is outside the durable content of " + file
                    + " (" + f.durable.size + " bytes)");
        }
        int off = (int) byteOffset;
        f.durable.a[off] ^= (byte) (1 << bit);
        if (f.unsynced.isEmpty()) {
            f.current.a[off] ^= (byte) (1 << bit);
        } else {
            Bytes cur = f.durable.copy();
            for (FileOp op : f.unsynced) {
                cur.apply(op, -1);
            }
            f.current = cur;
        }
    }

    /**
     * Flips one random bit within the file's durable content; returns the bit's index in the file
     * ({@code byteOffset * 8 + bit}).
     *
     * @throws IOException if the file has no durable byte (or is missing, or the disk crashed)
     */
    public synchronized long flipRandomBit(Path file, RandomGenerator random) throws IOException {
        checkAlive();
        FileNode f = existingFile(file);
        if (f.durable.size == 0) {
            throw new IOException(file + " has no durable content to corrupt");
        }
        long offset = random.nextInt(f.durable.size);
        int bit = random.nextInt(8);
        flipBit(file, offset, bit);
        return offset * 8 + bit;
    }

    /** The size of the file's durable content (as of its last force). */
    public synchronized long durableSize(Path file) throws IOException {
        checkAlive();
        return existingFile(file).durable.size;
    }

    /**
     * Sets the total size all files may reach ({@link #UNLIMITED} by default). A write that would grow the
     * total past it fails with {@code IOException("No space left on device")} and writes nothing; files
     * already larger stay as they are.
     */
    public synchronized void setCapacity(long bytes) {
        checkAliveUnchecked();
        if (bytes < 0) {
            throw new IllegalArgumentException("capacity < 0: " + bytes);
        }
        capacity = bytes;
    }

    public synchronized long capacity() {
        return capacity;
    }

    /** The total current size of all files (the page cache view). */
    public synchronized long totalSize() {
        return totalSize;
    }

    /** While on, every force() and syncDirectory() throws {@code IOException("simulated fsync failure")}. */
    /**
     * A disk that lies about directory syncs under {@code dir} (null: nowhere): {@code syncDirectory} of such a
     * directory reports success and makes nothing durable, so a crash may undo every creation, rename and deletion
     * in it since it was last really synced, while other directories keep theirs. For control runs that show a
     * scenario notices a store losing what it had made durable.
     */
    public synchronized void setIgnoreDirectorySyncsUnder(Path dir) {
        checkAliveUnchecked();
        ignoreDirectorySyncsUnder = dir;
    }

    public synchronized void setFailSync(boolean fail) {
        checkAliveUnchecked();
        failSync = fail;
    }

    /** Successful force() and syncDirectory() calls on this instance. */
    public synchronized long syncCount() {
        return syncCount;
    }

    /** Bytes written by successful writes on this instance. */
    public synchronized long bytesWritten() {
        return bytesWritten;
    }

    // ------------------------------------------------------------------ internals: paths

    private static List<String> names(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        Path p = (path.isAbsolute() ? path : ROOT_PATH.resolve(path.toString())).normalize();
        List<String> names = new ArrayList<>(p.getNameCount());
        for (Path part : p) {
            String s = part.toString();
            if (s.equals("..")) {
                throw new NoSuchFileException(path.toString());
            }
            names.add(s);
        }
        return names;
    }

    private Node lookup(List<String> names) {
        Node n = root;
        for (String name : names) {
            if (!(n instanceof DirNode d)) {
                return null;
            }
            n = d.current.get(name);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    private DirNode parentDir(Path path, List<String> names) throws IOException {
        Node n = lookup(names.subList(0, names.size() - 1));
        Path parent = path.getParent();
        String shown = parent == null ? "/" : parent.toString();
        if (n == null) {
            throw new NoSuchFileException(shown, null, "parent directory does not exist");
        }
        if (!(n instanceof DirNode d)) {
            throw new NotDirectoryException(shown);
        }
        return d;
    }

    private DirNode existingDir(Path dir) throws IOException {
        Node n = lookup(names(dir));
        if (n == null) {
            throw new NoSuchFileException(dir.toString());
        }
        if (!(n instanceof DirNode d)) {
            throw new NotDirectoryException(dir.toString());
        }
        return d;
    }

    private FileNode existingFile(Path file) throws IOException {
        Node n = lookup(names(file));
        if (n == null) {
            throw new NoSuchFileException(file.toString());
        }
        if (!(n instanceof FileNode f)) {
            throw new FileSystemException(file.toString(), null, "Is a directory");
        }
        return f;
    }

    private void checkAlive() throws IOException {
        if (dead) {
            throw new IOException("crashed");
        }
    }

    /** Tells the listener; if it crashed this instance, the announced call fails without acting. */
    private void beforeOperation(Operation operation, String path) throws IOException {
        OperationListener listener = operationListener;
        if (listener != null) {
            listener.beforeOperation(operation, path);
            checkAlive();
        }
    }

    private void checkAliveUnchecked() {
        if (dead) {
            throw new IllegalStateException("crashed");
        }
    }

    private void unlinked(FileNode f) {
        if (f.linked) {
            f.linked = false;
            totalSize -= f.current.size;
        }
    }

    // ------------------------------------------------------------------ internals: directory operations

    private void record(DirOp op) {
        op.seq = nextOpSeq++;
        for (DirNode d : op.dirs()) {
            d.pending.addLast(op);
            dirsWithPending.put(d.id, d);
        }
    }

    /** Makes {@code op} durable, after every operation it is ordered after in any of its directories. */
    private void commit(DirOp op) {
        for (DirNode d : op.dirs()) {
            while (d.pending.peekFirst() != op) {
                commit(d.pending.peekFirst());
            }
        }
        op.apply(d -> d.durable);
        for (DirNode d : op.dirs()) {
            d.pending.removeFirst();
            if (d.pending.isEmpty()) {
                dirsWithPending.remove(d.id);
            }
        }
    }

    private SimFileSystem crash(CrashPolicy policy) {
        if (dead) {
            throw new IllegalStateException("crashed");
        }
        dead = true;

        // 1. Which pending entry operations survive: a prefix per directory, shrunk until every rename
        //    between two directories is in the surviving prefix of both or of neither.
        Map<DirNode, List<DirOp>> lists = new IdentityHashMap<>();
        Map<DirNode, Integer> cuts = new IdentityHashMap<>();
        for (DirNode d : dirsWithPending.values()) {
            List<DirOp> ops = new ArrayList<>(d.pending);
            lists.put(d, ops);
            cuts.put(d, policy.keepDirOps(ops.size()));
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<DirNode, List<DirOp>> e : lists.entrySet()) {
                List<DirOp> ops = e.getValue();
                int cut = cuts.get(e.getKey());
                for (int i = 0; i < cut; i++) {
                    if (!inAllPrefixes(ops.get(i), lists, cuts)) {
                        cuts.put(e.getKey(), i);
                        changed = true;
                        break;
                    }
                }
            }
        }
        Set<DirOp> surviving = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<DirNode, List<DirOp>> e : lists.entrySet()) {
            surviving.addAll(e.getValue().subList(0, cuts.get(e.getKey())));
        }
        List<DirOp> ordered = new ArrayList<>(surviving);
        ordered.sort(Comparator.comparingLong(op -> op.seq));
        Map<DirNode, TreeMap<String, Node>> entries = new IdentityHashMap<>();
        for (DirOp op : ordered) {
            op.apply(d -> entries.computeIfAbsent(d, x -> new TreeMap<>(x.durable)));
        }

        // 2. The surviving tree, with the files' contents filled in afterwards in creation order.
        SimFileSystem next = new SimFileSystem();
        next.capacity = capacity;
        Map<FileNode, FileNode> files = new IdentityHashMap<>();
        Set<DirNode> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        copyTree(root, next.root, next, entries, files, visited);
        List<FileNode> oldFiles = new ArrayList<>(files.keySet());
        oldFiles.sort(Comparator.comparingLong(f -> f.id));
        for (FileNode old : oldFiles) {
            Bytes content = old.durable.copy();
            int n = old.unsynced.size();
            int k = n == 0 ? 0 : policy.keepFileOps(n);
            for (int i = 0; i < k; i++) {
                content.apply(old.unsynced.get(i), -1);
            }
            if (k < n) {
                FileOp torn = old.unsynced.get(k);
                int landed = policy.tornBytes(torn);
                if (landed > 0) {
                    content.apply(torn, landed);
                }
            }
            FileNode copy = files.get(old);
            copy.durable = content;
            copy.current = content.copy();
            next.totalSize += content.size;
        }
        return next;
    }

    private static boolean inAllPrefixes(DirOp op, Map<DirNode, List<DirOp>> lists, Map<DirNode, Integer> cuts) {
        List<DirNode> dirs = op.dirs();
        if (dirs.size() == 1) {
            return true;
        }
        for (DirNode d : dirs) {
            if (lists.get(d).indexOf(op) >= cuts.get(d)) {
                return false;
            }
        }
        return true;
    }

    private static void copyTree(DirNode old, DirNode copy, SimFileSystem next,
                                 Map<DirNode, TreeMap<String, Node>> entries, Map<FileNode, FileNode> files,
                                 Set<DirNode> visited) {
        if (!visited.add(old)) {
            throw new IllegalStateException("directory reachable twice after a crash: simulator bug");
        }
        TreeMap<String, Node> names = entries.getOrDefault(old, old.durable);
        for (Map.Entry<String, Node> e : names.entrySet()) {
            Node child;
            if (e.getValue() instanceof DirNode oldDir) {
                DirNode newDir = new DirNode(next.nextNodeId++);
                copyTree(oldDir, newDir, next, entries, files, visited);
                child = newDir;
            } else {
                FileNode oldFile = (FileNode) e.getValue();
                if (files.containsKey(oldFile)) {
                    throw new IllegalStateException("file reachable twice after a crash: simulator bug");
                }
                FileNode newFile = new FileNode(next.nextNodeId++, new Bytes(0));
                newFile.linked = true;
                files.put(oldFile, newFile);
                child = newFile;
            }
            copy.current.put(e.getKey(), child);
            copy.durable.put(e.getKey(), child);
        }
    }

    // ------------------------------------------------------------------ crash policies

    private interface CrashPolicy {
        /** How many of a directory's {@code n > 0} pending operations survive. */
        int keepDirOps(int n);

        /** How many of a file's {@code n > 0} unsynced operations survive whole. */
        int keepFileOps(int n);

        /** How many bytes of the first lost operation land (only writes can be torn); 0 or less for none. */
        int tornBytes(FileOp firstLost);
    }

    private static final class RandomCrash implements CrashPolicy {
        private final RandomGenerator random;

        RandomCrash(RandomGenerator random) {
            this.random = random;
        }

        @Override
        public int keepDirOps(int n) {
            return random.nextInt(n + 1);
        }

        @Override
        public int keepFileOps(int n) {
            return random.nextInt(n + 1);
        }

        @Override
        public int tornBytes(FileOp firstLost) {
            if (!random.nextBoolean()) {
                return 0;
            }
            return firstLost instanceof Write w ? random.nextInt(w.data.length) : 0;
        }
    }

    private static final class FixedCrash implements CrashPolicy {
        private final boolean keepAll;

        FixedCrash(boolean keepAll) {
            this.keepAll = keepAll;
        }

        @Override
        public int keepDirOps(int n) {
            return keepAll ? n : 0;
        }

        @Override
        public int keepFileOps(int n) {
            return keepAll ? n : 0;
        }

        @Override
        public int tornBytes(FileOp firstLost) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ nodes and operations

    private abstract static class Node {
        final long id;

        Node(long id) {
            this.id = id;
        }
    }

    private static final class FileNode extends Node {
        /** The page cache view: durable content with the unsynced operations applied. */
        Bytes current;
        Bytes durable;
        final List<FileOp> unsynced = new ArrayList<>();
        /** Whether some directory entry names it (only linked files count toward the capacity). */
        boolean linked;

        FileNode(long id, Bytes content) {
            super(id);
            this.durable = content;
            this.current = content.copy();
        }
    }

    private static final class DirNode extends Node {
        final TreeMap<String, Node> current = new TreeMap<>();
        final TreeMap<String, Node> durable = new TreeMap<>();
        final ArrayDeque<DirOp> pending = new ArrayDeque<>();

        DirNode(long id) {
            super(id);
        }
    }

    private sealed interface FileOp permits Write, Truncate {
    }

    private record Write(int position, byte[] data) implements FileOp {
    }

    private record Truncate(int size) implements FileOp {
    }

    private interface EntryMaps {
        Map<String, Node> of(DirNode dir);
    }

    private abstract static class DirOp {
        long seq;

        abstract List<DirNode> dirs();

        abstract void apply(EntryMaps maps);
    }

    private static final class Link extends DirOp {
        private final DirNode dir;
        private final String name;
        private final Node node;

        Link(DirNode dir, String name, Node node) {
            this.dir = dir;
            this.name = name;
            this.node = node;
        }

        @Override
        List<DirNode> dirs() {
            return List.of(dir);
        }

        @Override
        void apply(EntryMaps maps) {
            maps.of(dir).put(name, node);
        }
    }

    private static final class Unlink extends DirOp {
        private final DirNode dir;
        private final String name;

        Unlink(DirNode dir, String name) {
            this.dir = dir;
            this.name = name;
        }

        @Override
        List<DirNode> dirs() {
            return List.of(dir);
        }

        @Override
        void apply(EntryMaps maps) {
            maps.of(dir).remove(name);
        }
    }

    private static final class Rename extends DirOp {
        private final DirNode fromDir;
        private final String fromName;
        private final DirNode toDir;
        private final String toName;
        private final Node node;
        private final List<DirNode> dirs;

        Rename(DirNode fromDir, String fromName, DirNode toDir, String toName, Node node) {
            this.fromDir = fromDir;
            this.fromName = fromName;
            this.toDir = toDir;
            this.toName = toName;
            this.node = node;
            this.dirs = fromDir == toDir ? List.of(fromDir) : List.of(fromDir, toDir);
        }

        @Override
        List<DirNode> dirs() {
            return dirs;
        }

        @Override
        void apply(EntryMaps maps) {
            maps.of(fromDir).remove(fromName);
            maps.of(toDir).put(toName, node);
        }
    }

    /** A growable byte array; bytes past {@code size} are garbage until written. */
    private static final class Bytes {
        byte[] a;
        int size;

        Bytes(int capacity) {
            a = new byte[Math.max(capacity, 16)];
        }

        Bytes copy() {
            Bytes b = new Bytes(0);
            b.a = Arrays.copyOf(a, Math.max(size, 16));
            b.size = size;
            return b;
        }

        void write(int pos, byte[] src, int len) {
            int end = pos + len;
            if (end > a.length) {
                long grown = Math.max((long) end, Math.min((long) a.length * 2, MAX_FILE_SIZE));
                a = Arrays.copyOf(a, (int) grown);
            }
            if (pos > size) {
                Arrays.fill(a, size, pos, (byte) 0);
            }
            System.arraycopy(src, 0, a, pos, len);
            if (end > size) {
                size = end;
            }
        }

        void truncate(int newSize) {
            if (newSize < size) {
                size = newSize;
            }
        }

        /** Applies {@code op}; for a write, only its first {@code limit} bytes when {@code limit >= 0}. */
        void apply(FileOp op, int limit) {
            if (op instanceof Write w) {
                int len = limit < 0 ? w.data.length : Math.min(limit, w.data.length);
                if (len > 0) {
                    write(w.position, w.data, len);
                }
            } else {
                truncate(((Truncate) op).size);
            }
        }
    }

    // ------------------------------------------------------------------ open files

    private final class SimFile implements StorageFile {
        private final FileNode node;
        private final String name;
        private boolean closed;

        SimFile(FileNode node, String name) {
            this.node = node;
            this.name = name;
        }

        private void check() throws IOException {
            checkAlive();
            if (closed) {
                throw new ClosedChannelException();
            }
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            synchronized (SimFileSystem.this) {
                check();
                if (position < 0) {
                    throw new IllegalArgumentException("negative position: " + position);
                }
                Bytes cur = node.current;
                if (position >= cur.size) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), cur.size - position);
                dst.put(cur.a, (int) position, n);
                return n;
            }
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            synchronized (SimFileSystem.this) {
                check();
                beforeOperation(Operation.WRITE, name);
                if (position < 0) {
                    throw new IllegalArgumentException("negative position: " + position);
                }
                int len = src.remaining();
                if (len == 0) {
                    return;
                }
                long end = position + len;
                if (end > MAX_FILE_SIZE) {
                    throw new FileSystemException(name, null, "File too large");
                }
                long growth = Math.max(0, end - node.current.size);
                if (node.linked && growth > 0 && totalSize + growth > capacity) {
                    throw new IOException("No space left on device");
                }
                byte[] data = new byte[len];
                src.get(data);
                node.current.write((int) position, data, len);
                node.unsynced.add(new Write((int) position, data));
                if (node.linked) {
                    totalSize += growth;
                }
                bytesWritten += len;
            }
        }

        @Override
        public long size() throws IOException {
            synchronized (SimFileSystem.this) {
                check();
                return node.current.size;
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            synchronized (SimFileSystem.this) {
                check();
                beforeOperation(Operation.TRUNCATE, name);
                if (size < 0) {
                    throw new IllegalArgumentException("negative size: " + size);
                }
                int old = node.current.size;
                if (size >= old) {
                    return;
                }
                node.current.truncate((int) size);
                node.unsynced.add(new Truncate((int) size));
                if (node.linked) {
                    totalSize -= old - size;
                }
            }
        }

        @Override
        public void force() throws IOException {
            synchronized (SimFileSystem.this) {
                check();
                beforeOperation(Operation.FORCE, name);
                if (failSync) {
                    throw new IOException("simulated fsync failure");
                }
                for (FileOp op : node.unsynced) {
                    node.durable.apply(op, -1);
                }
                node.unsynced.clear();
                syncCount++;
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (SimFileSystem.this) {
                checkAlive();
                closed = true;
            }
        }

        @Override
        public String toString() {
            return "SimFile[" + name + "]";
        }
    }
}
