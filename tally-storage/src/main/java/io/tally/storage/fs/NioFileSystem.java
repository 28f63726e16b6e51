package io.tally.storage.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The real disk, through {@link FileChannel}. */
public final class NioFileSystem implements StorageFileSystem {

    public static final NioFileSystem INSTANCE = new NioFileSystem();

    @Override
    public StorageFile open(Path file, boolean create) throws IOException {
        FileChannel ch = create
                ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new NioFile(ch);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        return names;
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        Files.deleteIfExists(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        // On Linux a directory opened for reading can be fsynced, which makes its entries durable.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static final class NioFile implements StorageFile {
        private final FileChannel ch;

        NioFile(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            long pos = position;
            while (src.hasRemaining()) {
                pos += ch.write(src, pos);
            }
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            ch.truncate(size);
        }

        /**
         * fdatasync(2), not fsync: it makes the written bytes durable together with the metadata needed to read them
         * back (the file's size, newly allocated blocks), and skips only what no reader needs (modification times).
         * On a log segment, whose size is fixed when it is created, fsync would also commit the file system's journal
         * whenever the modification time moved; fdatasync still does so when a write allocated a block of the sparse
         * segment.
         */
        @Override
        public void force() throws IOException {
            ch.force(false);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
