package io.tally.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a directory holds, for "nothing changed on disk" checks: every path under it with its SHA-256 ("dir" for directories). */
public final class DirectoryContents {

    private DirectoryContents() {
    }

    /** Relative path -> content digest; empty if {@code dir} does not exist. */
    public static Map<String, String> of(Path dir) throws IOException {
        Map<String, String> contents = new TreeMap<>();
        if (!Files.exists(dir)) {
            return contents;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                String name = dir.relativize(p).toString();
                contents.put(name, Files.isDirectory(p) ? "dir" : sha256(Files.readAllBytes(p)));
            }
        }
        return contents;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
