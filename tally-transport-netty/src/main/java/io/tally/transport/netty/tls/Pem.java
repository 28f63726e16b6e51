package io.tally.transport.netty.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads back the PEM files TLS uses: certificate chains (the JDK's parser) and private keys in every form the
 * server accepts (PKCS#8, PKCS#1 RSA, SEC1 EC; Bouncy Castle's parser). Each failure is an {@link IOException}
 * naming the file and what is wrong with it.
 */
public final class Pem {

    private Pem() {
    }

    /** The certificates in {@code file}, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a PEM certificate (" + e.getMessage() + ")", e);
        }
        if (certs.isEmpty()) {
            throw new IOException(file + ": holds no certificate");
        }
        return certs;
    }

    /** The first private key in {@code file}; an encrypted key is refused. */
    public static PrivateKey privateKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PrivateKeyInfo) {
                    return converter.getPrivateKey((PrivateKeyInfo) o);
                }
                if (o instanceof PEMKeyPair) { // PKCS#1 or SEC1; a SEC1 key may omit its public key, so only the private
                    return converter.getPrivateKey(((PEMKeyPair) o).getPrivateKeyInfo());
                }
            }
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) { // the parser throws unchecked on some garbage
            throw new IOException(file + ": not a PEM private key (" + e.getMessage() + ")", e);
        }
        throw new IOException(file + ": holds no unencrypted private key");
    }

    /** Whether {@code key} is the private half of {@code pub}: a signature made with one verifies with the other. */
    public static boolean matches(PrivateKey key, PublicKey pub) {
        String alg = switch (pub.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> null;
        };
        if (alg == null) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature sign = Signature.getInstance(alg);
            sign.initSign(key);
            sign.update(challenge);
            byte[] sig = sign.sign();
            Signature verify = Signature.getInstance(alg);
            verify.initVerify(pub);
            verify.update(challenge);
            return verify.verify(sig);
        } catch (GeneralSecurityException e) { // e.g. an RSA key against an EC certificate
            return false;
        }
    }
}
