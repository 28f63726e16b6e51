package io.tally.storage.stable;

import io.tally.raft.model.HardState;
import io.tally.raft.storage.StableStore;
import io.tally.storage.SealedRecord;
import io.tally.storage.StorageCorruptionException;
import io.tally.storage.fs.StorageFile;
import io.tally.storage.fs.StorageFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@link StableStore} in one small file, {@code hard-state}, replaced atomically on every save.
 *
 * <p>Layout (big-endian): {@code u8 version (=1) | u64 term | u16 voteLength | voteLength bytes of UTF-8
 * votedFor (length 0 = no vote) | u32 CRC32C of all preceding bytes}.
 *
 * <p>{@link #save} writes {@code hard-state.tmp} (truncated first), forces it, renames it over
 * {@code hard-state} and syncs the directory, so after a crash {@link #load} sees either the old or the new
 * state, complete. A missing {@code hard-state} is a new node ({@link HardState#EMPTY}); a leftover
 * {@code hard-state.tmp} is an interrupted save and is deleted. A {@code hard-state} that fails any check
 * raises {@link StorageCorruptionException}: it is never read as empty, because that could let the node
 * vote twice in a term.
 *
 * <p>An {@link IOException} during a save leaves the store <em>failed</em>: every later call throws, since
 * after a failed fsync the state of the file is unknown and retrying the fsync may falsely report success.
 * Public methods are synchronized.
 */
public final class FileStableStore implements StableStore {

    /** The name of the committed file. */
    public static final String FILE_NAME = "hard-state";
    /** The name of the file a save writes before renaming it over {@link #FILE_NAME}. */
    public static final String TMP_NAME = "hard-state.tmp";

    static final int VERSION = 1;
    /** version + term + vote length. */
    private static final int HEADER_BYTES = 1 + 8 + 2;
    private static final int CRC_BYTES = SealedRecord.CRC_BYTES;
    private static final int MAX_VOTE_BYTES = 0xFFFF;

    private final StorageFileSystem fs;
    private final Path dir;
    private final Path file;
    private final Path tmp;
    private IOException failure;
    private boolean closed;

    private FileStableStore(StorageFileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
        this.tmp = dir.resolve(TMP_NAME);
    }

    /**
     * Opens (creating the directory durably if needed) the stable store in {@code dir}, deleting a
     * leftover {@code hard-state.tmp}. The hard state itself is read, and checked, by {@link #load}.
     */
    public static FileStableStore open(StorageFileSystem fs, Path dir) throws IOException {
        Objects.requireNonNull(fs, "fs");
        Objects.requireNonNull(dir, "dir");
        fs.createDirectoriesDurably(dir);
        // An interrupted save: never the committed state, which only the rename publishes. Deleting it
        // needs no sync; if the deletion is lost in a crash it is simply deleted again.
        fs.delete(dir.resolve(TMP_NAME));
        return new FileStableStore(fs, dir);
    }

    @Override
    public synchronized HardState load() throws IOException {
        checkUsable();
        if (!fs.exists(file)) {
            return HardState.EMPTY;
        }
        byte[] bytes;
        try (StorageFile f = fs.open(file, false)) {
            long size = f.size();
            if (size > HEADER_BYTES + MAX_VOTE_BYTES + CRC_BYTES) {
                throw new StorageCorruptionException(file, "file is " + size + " bytes, longer than any hard state");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            f.readFully(buf, 0);
            bytes = buf.array();
        }
        return decode(file, bytes);
    }

    @Override
    public synchronized void save(HardState state) throws IOException {
        Objects.requireNonNull(state, "state");
        checkUsable();
        ByteBuffer encoded = ByteBuffer.wrap(encode(state));
        try {
            try (StorageFile f = fs.open(tmp, true)) {
                f.truncate(0);
                f.write(encoded, 0);
                f.force();
            }
            fs.rename(tmp, file);
            fs.syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            throw e;
        }
    }

    /** Further calls throw; does not touch the disk. */
    @Override
    public synchronized void close() {
        closed = true;
    }

    /** The directory this store lives in. */
    public Path directory() {
        return dir;
    }

    @Override
    public String toString() {
        return "FileStableStore{" + file + "}";
    }

    private void checkUsable() throws IOException {
        if (failure != null) {
            throw new IOException("stable store " + dir + " failed earlier and cannot be used", failure);
        }
        if (closed) {
            throw new IOException("stable store " + dir + " is closed");
        }
    }

    static byte[] encode(HardState state) {
        byte[] vote = state.votedFor() == null ? new byte[0] : state.votedFor().getBytes(StandardCharsets.UTF_8);
        if (state.votedFor() != null && vote.length == 0) {
            throw new IllegalArgumentException("votedFor must not be empty (use null for no vote)");
        }
        if (vote.length > MAX_VOTE_BYTES) {
            throw new IllegalArgumentException("votedFor is " + vote.length + " bytes of UTF-8; at most "
                    + MAX_VOTE_BYTES + " fit");
        }
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + vote.length + CRC_BYTES);
        buf.put((byte) VERSION);
        buf.putLong(state.term());
        buf.putShort((short) vote.length);
        buf.put(vote);
        return SealedRecord.seal(buf);
    }

    static HardState decode(Path file, byte[] bytes) throws StorageCorruptionException {
        SealedRecord.checkHeader(file, bytes, VERSION, HEADER_BYTES + CRC_BYTES);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        buf.position(1);
        long term = buf.getLong();
        int voteLength = buf.getShort() & 0xFFFF;
        SealedRecord.checkLengthAndChecksum(file, bytes, HEADER_BYTES + voteLength + CRC_BYTES, "the vote length " + voteLength);
        if (term < 0) {
            throw new StorageCorruptionException(file, "negative term " + term);
        }
        String votedFor = null;
        if (voteLength > 0) {
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            try {
                CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, HEADER_BYTES, voteLength));
                votedFor = chars.toString();
            } catch (CharacterCodingException e) {
                throw new StorageCorruptionException(file, "votedFor is not valid UTF-8", e);
            }
        }
        return new HardState(term, votedFor);
    }
}
