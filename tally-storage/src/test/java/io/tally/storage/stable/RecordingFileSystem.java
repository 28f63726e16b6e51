package io.tally.storage.stable;

import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.fs.StorageFile;
import io.tally.storage.fs.StorageFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Test helper: the real disk ({@link NioFileSystem}) with every mutating operation recorded as
 * {@code "<op> <path relative to root>"} (ops: create, truncate, write, force, close, mkdir, rename, delete,
 * sync), an optional injected failure, and the largest single read and write.
 */
public final class RecordingFileSystem implements StorageFileSystem {

    private final StorageFileSystem delegate = NioFileSystem.INSTANCE;
    private final Path root;
    private final List<String> ops = new ArrayList<>();
    private volatile Predicate<String> failWhen = op -> false;
    private long maxRead;
    private long maxWrite;

    public RecordingFileSystem(Path root) {
        this.root = root;
    }

    /** Operations so far, in order. */
    public synchronized List<String> ops() {
        return List.copyOf(ops);
    }

    public synchronized void clearOps() {
        ops.clear();
    }

    /** Makes every later operation whose record matches throw an IOException (after being recorded). */
    public void failWhen(Predicate<String> predicate) {
        failWhen = predicate;
    }

    public synchronized long maxRead() {
        return maxRead;
    }

    public synchronized long maxWrite() {
        return maxWrite;
    }

    private String rel(Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    private synchronized void record(String op) throws IOException {
        ops.add(op);
        if (failWhen.test(op)) {
            throw new IOException("injected failure: " + op);
        }
    }

    @Override
    public StorageFile open(Path file, boolean create) throws IOException {
        if (create && !delegate.exists(file)) {
            record("create " + rel(file));
        }
        StorageFile f = delegate.open(file, create);
        String name = rel(file);
        return new StorageFile() {
            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                synchronized (RecordingFileSystem.this) {
                    maxRead = Math.max(maxRead, dst.remaining());
                }
                return f.read(dst, position);
            }

            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                synchronized (RecordingFileSystem.this) {
                    maxWrite = Math.max(maxWrite, src.remaining());
                }
                record("write " + name);
                f.write(src, position);
            }

            @Override
            public long size() throws IOException {
                return f.size();
            }

            @Override
            public void truncate(long size) throws IOException {
                record("truncate " + name);
                f.truncate(size);
            }

            @Override
            public void force() throws IOException {
                record("force " + name);
                f.force();
            }

            @Override
            public void close() throws IOException {
                f.close();
            }
        };
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return delegate.exists(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        record("mkdir " + rel(dir));
        delegate.createDirectories(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        record("rename " + rel(from) + " " + rel(to));
        delegate.rename(from, to);
    }

    @Override
    public void delete(Path path) throws IOException {
        record("delete " + rel(path));
        delegate.delete(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        record("sync " + rel(dir));
        delegate.syncDirectory(dir);
    }
}
