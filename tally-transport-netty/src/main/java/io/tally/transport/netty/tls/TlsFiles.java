package io.tally.transport.netty.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The PEM files of one TLS identity: a certificate chain, its private key, and the CA bundle the other end must be
 * signed by (null: none checked, or the JDK's trusted CAs for a client).
 */
public record TlsFiles(Path cert, Path key, Path ca) {

    public TlsFiles {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("a certificate goes with its key");
        }
    }

    /** A digest of the files' contents: changes when any of them does (a rename over it, a rewrite in place). */
    byte[] fingerprint() throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : new Path[] {cert, key, ca}) {
                if (p != null) {
                    sha.update(Files.readAllBytes(p));
                }
                sha.update((byte) 0);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "cert " + cert + ", key " + key + ", CA " + Objects.toString(ca, "(none)");
    }
}
