package io.tally.transport.netty.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * A throwaway certificate authority (Bouncy Castle's {@code bcpkix}) for {@code ./tally dev --tls} and the TLS tests:
 * EC P-256 keys, ECDSA-SHA256 signatures, certificates for nodes (server and client use, naming the node id and its
 * hosts) and for clients. Never for production: its key sits in a file next to the certificates.
 */
public final class CertificateAuthority {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and the certificate issued for it. */
    public record Issued(KeyPair keys, X509Certificate cert) {

        /** Writes {@code name}.crt (PEM) and {@code name}.key (PKCS#8 PEM, owner-readable only) into {@code dir}. */
        public void write(Path dir, String name) throws IOException {
            Files.createDirectories(dir);
            write(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        }

        /**
         * Writes the certificate (PEM) to {@code certFile} and the key (PKCS#8 PEM) to {@code keyFile}, each by a rename
         * over it; the key file is readable by its owner only from the moment it exists (on POSIX file systems).
         */
        public void write(Path certFile, Path keyFile) throws IOException {
            writePem(certFile, "CERTIFICATE", encoded(cert), false);
            writePem(keyFile, "PRIVATE KEY", keys.getPrivate().getEncoded(), true);
        }
    }

    private final Issued ca;

    private CertificateAuthority(Issued ca) {
        this.ca = ca;
    }

    /** The CA that {@code ca} holds (its certificate and key, as {@link Pem} reads them back from files). */
    public static CertificateAuthority of(Issued ca) {
        if (ca.cert().getBasicConstraints() < 0) {
            throw new IllegalArgumentException("not a CA certificate: " + ca.cert().getSubjectX500Principal());
        }
        return new CertificateAuthority(ca);
    }

    /** A new CA named {@code name}, valid for {@code validity} from now. */
    public static CertificateAuthority create(String name, Duration validity) {
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(new Issued(keys, sign(b, keys)));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a CA certificate", e);
        }
    }

    public Issued ca() {
        return ca;
    }

    /** Writes the CA's certificate as {@code name}.crt and its key as {@code name}.key. */
    public void write(Path dir, String name) throws IOException {
        ca.write(dir, name);
    }

    /**
     * A certificate for {@code commonName}, also naming {@code dnsNames} and {@code ipAddresses}, good for TLS servers
     * and clients alike, valid from {@code notBefore} to {@code notAfter}.
     */
    public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses, Instant notBefore,
                        Instant notAfter) {
        KeyPair keys = keyPair();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            List<GeneralName> alt = new ArrayList<>();
            dnsNames.forEach(d -> alt.add(new GeneralName(GeneralName.dNSName, d)));
            ipAddresses.forEach(ip -> alt.add(new GeneralName(GeneralName.iPAddress, ip)));
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert(), serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + commonName), keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                            KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert()))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            if (!alt.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alt.toArray(GeneralName[]::new)));
            }
            return new Issued(keys, sign(b, ca.keys()));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
        }
    }

    /** As {@link #issue(String, List, List, Instant, Instant)}, valid from a minute ago for {@code validity}. */
    public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses, Duration validity) {
        Instant now = Instant.now();
        return issue(commonName, dnsNames, ipAddresses, now.minusSeconds(60), now.plus(validity));
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writePem(Path file, String type, byte[] der, boolean secret) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (secret) {
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                // not POSIX: the file system's own permissions apply
            }
        }
        Files.writeString(tmp, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n",
                StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
