package io.tally.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Recovering a lost root password (docs/security.md): an operator who can write files on a member proves it by putting
 * a code of their choosing into {@value #FILE} in that member's data directory (readable by its owner only) and
 * sending the same code to {@code POST /v1/auth/recover} on that member, which answers with a root token. The file is
 * deleted once it served, so each code works once. Access to a member's files is root access anyway: its log and
 * snapshots hold the token signing key.
 */
final class AuthRecovery {

    static final String FILE = "auth-recovery";
    static final int MIN_CODE_CHARS = 16;
    private static final long MAX_FILE_BYTES = 1024;

    private final Path file;

    AuthRecovery(Path dataDir) {
        this.file = dataDir.resolve(FILE);
    }

    /** Checks {@code code} against the file and deletes it; 401 when there is no usable file or the code differs. */
    synchronized void redeem(String code) throws HttpError {
        String expected;
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_FILE_BYTES) {
                throw Authenticator.unauthenticated("no recovery code is set on this member: write one into "
                        + file + " (mode 600), then send it");
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
                if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                    throw Authenticator.unauthenticated(file + " is readable by other users: chmod 600 it first");
                }
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: nothing to check
            }
            expected = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw Authenticator.unauthenticated("cannot read " + file + ": " + e.getMessage());
        }
        if (expected.length() < MIN_CODE_CHARS) {
            throw Authenticator.unauthenticated("the recovery code in " + file + " is shorter than " + MIN_CODE_CHARS
                    + " characters; write a longer random one");
        }
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), code.strip().getBytes(StandardCharsets.UTF_8))) {
            throw Authenticator.unauthenticated("wrong recovery code");
        }
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new HttpError(500, "internal", "cannot delete the used recovery file " + file + ": " + e.getMessage());
        }
    }
}
