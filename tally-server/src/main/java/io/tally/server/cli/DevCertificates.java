package io.tally.server.cli;

import io.tally.transport.netty.tls.CertificateAuthority;
import io.tally.transport.netty.tls.PeerNames;
import io.tally.transport.netty.tls.Pem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The TLS files of {@code ./tally dev --tls}, in one directory ({@code data/dev/tls}): a throwaway CA
 * ({@code ca.pem}, {@code ca-key.pem}) and, for each node, one certificate ({@code n1.pem}, {@code n1-key.pem}) that
 * serves both its HTTP port and its Raft port: CN and a DNS SAN equal to the node id (what a peer certificate must
 * name), DNS {@code localhost} and IP {@code 127.0.0.1} (what HTTPS clients and forwarding members verify), server and
 * client use. EC P-256 keys, valid for a year.
 *
 * <p>Invariant after {@link #ensure}: every file exists, every key matches its certificate, every node certificate
 * is signed by {@code ca.pem}, names its id, and is valid for at least {@link #MARGIN} more. Files that already
 * satisfy this are kept byte for byte (so a dev cluster keeps its certificates across runs and clients keep trusting
 * the same {@code ca.pem}); any that do not (missing, unreadable, expired, mismatched) are made anew, and a new CA
 * means new node certificates too.
 */
final class DevCertificates {

    static final Duration VALIDITY = Duration.ofDays(365);
    /** A certificate expiring sooner than this is replaced: a dev cluster started now keeps working for a day. */
    static final Duration MARGIN = Duration.ofDays(1);
    static final String CA_NAME = "Tally dev CA";

    /** One node's certificate and key files. */
    record NodeFiles(String id, Path cert, Path key) {
    }

    private final Path dir;
    private final List<String> made = new ArrayList<>();

    private DevCertificates(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path caCert() {
        return dir.resolve("ca.pem");
    }

    Path caKey() {
        return dir.resolve("ca-key.pem");
    }

    NodeFiles node(String id) {
        return new NodeFiles(id, dir.resolve(id + ".pem"), dir.resolve(id + "-key.pem"));
    }

    /** What {@link #ensure} wrote and why, one entry each ("ca.pem (missing)"); empty when it reused everything. */
    List<String> made() {
        return List.copyOf(made);
    }

    /** The server flags that put node {@code id} on TLS on both ports with these files (no client certificates). */
    List<String> serverFlags(String id) {
        NodeFiles n = node(id);
        String ca = caCert().toString();
        return List.of("--tls-cert", n.cert().toString(), "--tls-key", n.key().toString(), "--tls-ca", ca,
                "--peer-tls-cert", n.cert().toString(), "--peer-tls-key", n.key().toString(), "--peer-tls-ca", ca);
    }

    /** Makes {@code dir} hold a valid CA and a certificate for each of {@code ids}, reusing what is still good. */
    static DevCertificates ensure(Path dir, List<String> ids, Instant now) throws IOException {
        DevCertificates files = new DevCertificates(dir);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " exists and is not a directory");
        }
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not POSIX: the file system's own permissions apply
        }
        CertificateAuthority ca;
        String caProblem = problem(files.caCert(), files.caKey(), null, null, now);
        if (caProblem == null) {
            X509Certificate caCert = Pem.certificates(files.caCert()).get(0);
            ca = CertificateAuthority.of(new CertificateAuthority.Issued(
                    new KeyPair(caCert.getPublicKey(), Pem.privateKey(files.caKey())), caCert));
        } else {
            ca = CertificateAuthority.create(CA_NAME, VALIDITY);
            ca.ca().write(files.caCert(), files.caKey());
            files.made.add("ca.pem (" + caProblem + ")");
        }
        for (String id : ids) {
            NodeFiles n = files.node(id);
            String nodeProblem = caProblem != null ? "new CA" : problem(n.cert(), n.key(), ca.ca().cert(), id, now);
            if (nodeProblem != null) {
                ca.issue(id, List.of(id, "localhost"), List.of("127.0.0.1"), VALIDITY).write(n.cert(), n.key());
                files.made.add(n.cert().getFileName() + " (" + nodeProblem + ")");
            }
        }
        return files;
    }

    /**
     * Why the certificate in {@code certFile} with the key in {@code keyFile} cannot be used, or null if it can: a CA
     * certificate signed by itself when {@code issuer} is null, else a certificate {@code issuer} signed that names
     * {@code id}; valid now and for {@link #MARGIN} more.
     */
    private static String problem(Path certFile, Path keyFile, X509Certificate issuer, String id, Instant now) {
        X509Certificate cert;
        PrivateKey key;
        try {
            cert = Pem.certificates(certFile).get(0);
            key = Pem.privateKey(keyFile);
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
        if (!Pem.matches(key, cert.getPublicKey())) {
            return "its key " + keyFile.getFileName() + " does not match it";
        }
        try {
            cert.checkValidity(Date.from(now));
            cert.checkValidity(Date.from(now.plus(MARGIN)));
        } catch (GeneralSecurityException e) {
            return "expired or expiring within " + MARGIN.toHours() + " hours (" + cert.getNotAfter().toInstant() + ")";
        }
        try {
            cert.verify(issuer == null ? cert.getPublicKey() : issuer.getPublicKey());
        } catch (GeneralSecurityException e) {
            return issuer == null ? "not a self-signed CA" : "not signed by ca.pem";
        }
        if (issuer == null && cert.getBasicConstraints() < 0) {
            return "not a CA certificate";
        }
        if (id != null && !PeerNames.names(cert, id)) {
            return "does not name " + id;
        }
        return null;
    }
}
