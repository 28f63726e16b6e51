package io.tally.kv;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A backup of the store (etcd's {@code snapshot save}): a consistent point-in-time snapshot with its revision and a
 * checksum, from which {@code tally snapshot restore} writes the data directories of a new cluster.
 *
 * <pre>
 *   u32 magic "TBAK", u8 format (1), i64 revision, i64 length, length bytes of a key/value snapshot (TKV5),
 *   32 bytes SHA-256 of everything before
 * </pre>
 * Nothing in it depends on when or where it was saved, so saving a restored cluster before any write gives the same
 * bytes.
 */
public final class KvBackup {

    static final int MAGIC = 0x5442414b;
    static final int FORMAT = 1;
    private static final int DIGEST_BYTES = 32;

    private KvBackup() {
    }

    /** What a backup holds, once verified. */
    public record Info(long revision, long snapshotBytes, int keys, int leases, int sessions, int events, String sha256) {
    }

    /**
     * Writes a backup of the key/value snapshot {@code snapshot} ({@code length} bytes, TKV5 as the state machine wrote
     * it) to {@code out}.
     */
    public static void write(InputStream snapshot, long length, OutputStream out) throws IOException {
        byte[] head = snapshot.readNBytes(12);
        if (head.length < 12 || java.nio.ByteBuffer.wrap(head).getInt() != KvSnapshotFormat.TKV5 && java.nio.ByteBuffer.wrap(head).getInt() != KvSnapshotFormat.TKV4) {
            throw new IOException("not a TKV5 or TKV4 key/value snapshot");
        }
        long revision = java.nio.ByteBuffer.wrap(head, 4, 8).getLong();
        MessageDigest sha = sha256();
        DataOutputStream data = new DataOutputStream(new DigestOutputStream(out, sha));
        data.writeInt(MAGIC);
        data.writeByte(FORMAT);
        data.writeLong(revision);
        data.writeLong(length);
        data.write(head);
        long copied = head.length + snapshot.transferTo(data);
        if (copied != length) {
            throw new IOException("the snapshot was " + copied + " bytes, not the " + length + " its metadata says");
        }
        data.flush();
        out.write(sha.digest());
        out.flush();
    }

    /** A verified backup: what it holds, and its key/value snapshot's bytes. */
    public record Verified(Info info, byte[] snapshot) {
    }

    /**
     * Reads a whole backup, checks its checksum and its snapshot, and hands the snapshot's bytes to {@code snapshotOut}
     * (null: only check).
     *
     * @throws IOException naming what is wrong: not a backup, cut short, a checksum mismatch, a damaged snapshot
     */
    public static Info read(InputStream in, OutputStream snapshotOut) throws IOException {
        Verified v = readVerified(in);
        if (snapshotOut != null) {
            snapshotOut.write(v.snapshot());
            snapshotOut.flush();
        }
        return v.info();
    }

    /**
     * Reads a whole backup and checks its checksum and its snapshot; the snapshot's bytes are held once, in the
     * returned array (no intermediate copies: a backup of a large store is hundreds of megabytes).
     *
     * @throws IOException naming what is wrong: not a backup, cut short, a checksum mismatch, a damaged snapshot
     */
    public static Verified readVerified(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        DataInputStream data = new DataInputStream(new DigestInputStream(in, sha));
        try {
            if (data.readInt() != MAGIC) {
                throw new IOException("not a Tally backup (bad magic)");
            }
            int format = data.readUnsignedByte();
            if (format != FORMAT) {
                throw new IOException("backup format " + format + " is not one this version reads (" + FORMAT + ")");
            }
            long revision = data.readLong();
            long length = data.readLong();
            if (length < 12 || length > MAX_SNAPSHOT_BYTES) {
                throw new IOException("a backup claiming a snapshot of " + length + " bytes (this version reads up to "
                        + MAX_SNAPSHOT_BYTES + ")");
            }
            byte[] snapshot = readSnapshot(data, in, (int) length);
            byte[] expected = sha.digest();
            byte[] stored = in.readNBytes(DIGEST_BYTES);
            if (stored.length != DIGEST_BYTES || in.read() != -1) {
                throw new IOException("the backup's checksum is missing, or bytes follow it");
            }
            if (!Arrays.equals(expected, stored)) {
                throw new IOException("checksum mismatch: the backup is damaged (SHA-256 " + HexFormat.of().formatHex(expected)
                        + ", recorded " + HexFormat.of().formatHex(stored) + ")");
            }
            KvSnapshotFormat.State s = KvSnapshotFormat.read(new ByteArrayInputStream(snapshot));
            if (s.view().revision() != revision) {
                throw new IOException("the backup says revision " + revision + " but its snapshot is at " + s.view().revision());
            }
            Info info = new Info(revision, length, s.view().size(), s.view().leases().size(),
                    s.sessions().registered().size() + s.sessions().legacy().size(), s.events().size(),
                    HexFormat.of().formatHex(expected));
            return new Verified(info, snapshot);
        } catch (EOFException e) {
            throw new IOException("the backup is cut short", e);
        }
    }

    /** The largest snapshot a backup may hold here: one Java array. */
    static final long MAX_SNAPSHOT_BYTES = Integer.MAX_VALUE - 16;

    /**
     * The {@code length} bytes of the snapshot. The array is allocated whole when the stream says that many bytes are
     * there (a file does); otherwise (a damaged length, a network stream) it grows with what actually arrives, so a
     * wrong length is "cut short", not an allocation of gigabytes.
     */
    private static byte[] readSnapshot(DataInputStream data, InputStream source, int length) throws IOException {
        if (source.available() >= length) {
            byte[] whole = new byte[length];
            data.readFully(whole);
            return whole;
        }
        byte[] buf = new byte[Math.min(length, 1 << 24)];
        int filled = 0;
        while (filled < length) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(length, 2L * buf.length));
            }
            int n = data.read(buf, filled, buf.length - filled);
            if (n < 0) {
                throw new EOFException();
            }
            filled += n;
        }
        return buf;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
