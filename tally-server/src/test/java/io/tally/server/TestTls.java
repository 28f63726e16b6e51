package io.tally.server;

import io.tally.transport.netty.tls.CertificateAuthority;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Certificates for the TLS tests: a CA, node and client certificates as files, and JDK SSL contexts from them. */
final class TestTls {

    final Path dir;
    final CertificateAuthority ca;

    TestTls(Path dir, String caName) throws Exception {
        this.dir = dir;
        this.ca = CertificateAuthority.create(caName, Duration.ofDays(1));
        ca.write(dir, "ca");
    }

    /** A certificate for node or client {@code name} (CN and DNS SAN), for loopback, written as NAME.crt/NAME.key. */
    CertificateAuthority.Issued issue(String name) throws Exception {
        CertificateAuthority.Issued i = ca.issue(name, List.of(name, "localhost"), List.of("127.0.0.1"), Duration.ofDays(1));
        i.write(dir, name);
        return i;
    }

    /** A certificate that expired an hour ago. */
    CertificateAuthority.Issued expired(String name) throws Exception {
        Instant now = Instant.now();
        CertificateAuthority.Issued i = ca.issue(name, List.of(name, "localhost"), List.of("127.0.0.1"),
                now.minus(Duration.ofDays(2)), now.minus(Duration.ofHours(1)));
        i.write(dir, name);
        return i;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** Trusts this CA; presents {@code client} (null: no certificate). */
    SSLContext context(CertificateAuthority.Issued client) throws Exception {
        return context(ca.ca().cert(), client);
    }

    static SSLContext context(X509Certificate trusted, CertificateAuthority.Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (client != null) {
            keys.setKeyEntry("me", client.keys().getPrivate(), new char[0], new java.security.cert.Certificate[] {client.cert()});
        }
        kmf.init(keys, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The flags of node {@code id}: TLS on both ports, client certificates required on HTTP. */
    List<String> nodeFlags(String id) {
        return List.of("--tls-cert", file(id + ".crt").toString(), "--tls-key", file(id + ".key").toString(),
                "--tls-client-ca", file("ca.crt").toString(), "--tls-ca", file("ca.crt").toString(),
                "--peer-tls-cert", file(id + ".crt").toString(), "--peer-tls-key", file(id + ".key").toString(),
                "--peer-tls-ca", file("ca.crt").toString());
    }
}
