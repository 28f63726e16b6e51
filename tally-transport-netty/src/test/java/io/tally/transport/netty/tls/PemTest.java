package io.tally.transport.netty.tls;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading back PEM certificates and keys in the forms a node accepts, and refusing everything else clearly. */
class PemTest {

    @Test
    void readsWhatTheCaWritesAndTheTraditionalKeyForms(@TempDir Path dir) throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("test CA", Duration.ofDays(1));
        CertificateAuthority.Issued n1 = ca.issue("n1", List.of("n1"), List.of(), Duration.ofDays(1));
        n1.write(dir.resolve("n1.pem"), dir.resolve("n1-key.pem"));
        assertEquals(n1.cert(), Pem.certificates(dir.resolve("n1.pem")).get(0));
        PrivateKey pkcs8 = Pem.privateKey(dir.resolve("n1-key.pem"));
        assertTrue(Pem.matches(pkcs8, n1.cert().getPublicKey()));
        assertFalse(Pem.matches(ca.ca().keys().getPrivate(), n1.cert().getPublicKey()), "another EC key");

        // SEC1 ("BEGIN EC PRIVATE KEY", with its curve inside, as openssl writes it: hence Bouncy Castle's encoding of
        // the key, not the JDK's) and PKCS#1 ("BEGIN RSA PRIVATE KEY").
        Path sec1 = dir.resolve("sec1.pem");
        PrivateKey bcKey = KeyFactory.getInstance("EC", new BouncyCastleProvider())
                .generatePrivate(new PKCS8EncodedKeySpec(n1.keys().getPrivate().getEncoded()));
        Files.writeString(sec1, pem(new KeyPair(n1.keys().getPublic(), bcKey)));
        assertTrue(Files.readString(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----"));
        assertTrue(Pem.matches(Pem.privateKey(sec1), n1.cert().getPublicKey()));

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair rsa = g.generateKeyPair();
        Path pkcs1 = dir.resolve("pkcs1.pem");
        Files.writeString(pkcs1, pem(rsa));
        assertTrue(Files.readString(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertTrue(Pem.matches(Pem.privateKey(pkcs1), rsa.getPublic()));
        assertFalse(Pem.matches(Pem.privateKey(pkcs1), n1.cert().getPublicKey()), "an RSA key against an EC certificate");
        assertFalse(Pem.matches(pkcs8, rsa.getPublic()), "an EC key against an RSA public key");

        // A certificate bundle, in order.
        ca.ca().write(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"));
        Files.writeString(dir.resolve("chain.pem"), Files.readString(dir.resolve("n1.pem")) + Files.readString(dir.resolve("ca.pem")));
        assertEquals(List.of(n1.cert(), ca.ca().cert()), Pem.certificates(dir.resolve("chain.pem")));
    }

    @Test
    void refusesMissingGarbageEncryptedAndMisplacedFilesNamingThem(@TempDir Path dir) throws Exception {
        assertThrows(NoSuchFileException.class, () -> Pem.privateKey(dir.resolve("absent.pem")));
        assertThrows(NoSuchFileException.class, () -> Pem.certificates(dir.resolve("absent.pem")));

        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        IOException e = assertThrows(IOException.class, () -> Pem.certificates(garbage));
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());
        e = assertThrows(IOException.class, () -> Pem.privateKey(garbage));
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());

        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "");
        assertThrows(IOException.class, () -> Pem.certificates(empty));
        assertThrows(IOException.class, () -> Pem.privateKey(empty));

        CertificateAuthority ca = CertificateAuthority.create("test CA", Duration.ofDays(1));
        ca.ca().write(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"));
        e = assertThrows(IOException.class, () -> Pem.privateKey(dir.resolve("ca.pem")));
        assertTrue(e.getMessage().contains("no unencrypted private key"), "a certificate is not a key: " + e.getMessage());
        assertThrows(IOException.class, () -> Pem.certificates(dir.resolve("ca-key.pem")), "a key is not a certificate");

        Path encrypted = dir.resolve("encrypted.pem");
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(new JcaPKCS8Generator(ca.ca().keys().getPrivate(),
                    new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC).setProvider(new BouncyCastleProvider())
                            .setPassword("pw".toCharArray()).build()));
        }
        Files.writeString(encrypted, w.toString());
        e = assertThrows(IOException.class, () -> Pem.privateKey(encrypted));
        assertTrue(e.getMessage().contains("no unencrypted private key"), e.getMessage());
    }

    private static String pem(KeyPair keys) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(keys);
        }
        return w.toString();
    }
}
