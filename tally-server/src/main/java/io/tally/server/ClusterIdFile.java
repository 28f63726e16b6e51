package io.tally.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;

/**
 * {@code cluster-id} in a data directory: the name of the cluster the directory belongs to, written by the offline
 * tools that make a directory the start of a new cluster ({@code ./tally snapshot restore}, and {@code ./tally recover}
 * when asked for a new name). A node refuses to start such a directory under another {@code --cluster-id}: the name
 * is what keeps the members of the old cluster, which know the same ids and addresses, from talking to the new one
 * (every peer handshake checks it). Directories without the file start under any name, as before.
 */
public final class ClusterIdFile {

    public static final String NAME = "cluster-id";

    private ClusterIdFile() {
    }

    /** The name recorded in {@code dataDir}, or null if none is. */
    public static String read(Path dataDir) throws IOException {
        try {
            return Files.readString(dataDir.resolve(NAME), StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Records {@code clusterId} in {@code dataDir} durably: a temporary file, fsync, rename, fsync of the directory. */
    public static void write(Path dataDir, String clusterId) throws IOException {
        Path tmp = dataDir.resolve(NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap((clusterId + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, dataDir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /**
     * Checks that a node of cluster {@code clusterId} may start from {@code dataDir}.
     *
     * @throws TallyNode.DataDirectoryException naming the cluster the directory belongs to and the flag to start it with
     */
    static void check(Path dataDir, String clusterId) throws TallyNode.DataDirectoryException {
        String recorded;
        try {
            recorded = read(dataDir);
        } catch (IOException e) {
            throw new TallyNode.DataDirectoryException("cannot read " + dataDir.resolve(NAME) + ": " + e.getMessage());
        }
        if (recorded != null && !recorded.equals(clusterId)) {
            throw new TallyNode.DataDirectoryException("data directory " + dataDir + " belongs to cluster '" + recorded
                    + "' (it was written by ./tally snapshot restore or ./tally recover), not '" + clusterId
                    + "': start it with --cluster-id " + recorded);
        }
    }
}
