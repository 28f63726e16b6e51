package io.tally.server.cli;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.tally.transport.netty.tls.CertificateAuthority;
import io.tally.transport.netty.tls.PeerNames;
import io.tally.transport.netty.tls.Pem;
import io.tally.transport.netty.tls.TlsContexts;
import io.tally.transport.netty.tls.TlsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The certificates of {@code ./tally dev --tls}: what they hold, when they are kept, and that TLS works with them. */
class DevCertificatesTest {

    private static final List<String> IDS = List.of("n1", "n2", "n3");

    @Test
    void theCaSignsOneCertificatePerNodeThatNamesItAndServesBothPorts(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("tls");
        Instant now = Instant.now();
        DevCertificates files = DevCertificates.ensure(dir, IDS, now);
        assertEquals(4, files.made().size(), files.made().toString());

        X509Certificate ca = Pem.certificates(files.caCert()).get(0);
        ca.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "a CA certificate");
        assertTrue(Pem.matches(Pem.privateKey(files.caKey()), ca.getPublicKey()));
        for (String id : IDS) {
            DevCertificates.NodeFiles n = files.node(id);
            X509Certificate cert = Pem.certificates(n.cert()).get(0);
            cert.verify(ca.getPublicKey());
            assertEquals("CN=" + id, cert.getSubjectX500Principal().getName());
            assertTrue(PeerNames.names(cert, id), "names " + id);
            assertEquals(List.of(List.of(2, id), List.of(2, "localhost"), List.of(7, "127.0.0.1")),
                    cert.getSubjectAlternativeNames().stream().map(List::copyOf).toList());
            assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage(), "server and client use");
            assertEquals(-1, cert.getBasicConstraints(), "not a CA");
            assertTrue(Pem.matches(Pem.privateKey(n.key()), cert.getPublicKey()), "the key matches");
            assertFalse(Pem.matches(Pem.privateKey(files.caKey()), cert.getPublicKey()), "another key does not");
            Duration validity = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
            assertTrue(validity.compareTo(Duration.ofDays(365)) >= 0 && validity.compareTo(Duration.ofDays(366)) < 0,
                    validity.toString());
            assertEquals("EC", cert.getPublicKey().getAlgorithm());
        }
        for (Path f : List.of(files.caKey(), files.node("n1").key(), files.node("n2").key(), files.node("n3").key())) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(8, left.count(), "no temporary files left");
        }
    }

    @Test
    void validFilesAreKeptByteForByteAndOnlyWhatIsWrongIsMadeAnew(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("tls");
        Instant now = Instant.now();
        DevCertificates first = DevCertificates.ensure(dir, IDS, now);
        Map<Path, byte[]> before = contents(dir);

        DevCertificates again = DevCertificates.ensure(dir, IDS, now.plus(Duration.ofDays(30)));
        assertEquals(List.of(), again.made());
        assertContentsEqual(before, contents(dir));

        // A lost key: that node's pair only.
        Files.delete(first.node("n2").key());
        assertEquals(List.of("n2.pem (missing)"), DevCertificates.ensure(dir, IDS, now).made());
        Map<Path, byte[]> after = contents(dir);
        assertArrayEquals(before.get(first.caCert()), after.get(first.caCert()));
        assertArrayEquals(before.get(first.node("n1").cert()), after.get(first.node("n1").cert()));
        assertFalse(java.util.Arrays.equals(before.get(first.node("n2").cert()), after.get(first.node("n2").cert())));

        // A key that belongs to another certificate.
        Files.copy(first.node("n1").key(), first.node("n3").key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(List.of("n3.pem (its key n3-key.pem does not match it)"), DevCertificates.ensure(dir, IDS, now).made());

        // A node certificate from another CA.
        CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(365));
        other.issue("n1", List.of("n1"), List.of(), Duration.ofDays(365)).write(first.node("n1").cert(), first.node("n1").key());
        assertEquals(List.of("n1.pem (not signed by ca.pem)"), DevCertificates.ensure(dir, IDS, now).made());

        // A certificate for the wrong node.
        Files.copy(first.node("n1").cert(), first.node("n2").cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(first.node("n1").key(), first.node("n2").key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(List.of("n2.pem (does not name n2)"), DevCertificates.ensure(dir, IDS, now).made());
    }

    @Test
    void anExpiredOrUnreadableCaReplacesEverything(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("tls");
        Instant now = Instant.now();
        DevCertificates files = DevCertificates.ensure(dir, IDS, now);
        byte[] ca = Files.readAllBytes(files.caCert());

        // A year on, the CA expires within the margin: a new CA and new node certificates.
        List<String> made = DevCertificates.ensure(dir, IDS, now.plus(Duration.ofDays(365))).made();
        assertEquals(4, made.size(), made.toString());
        assertTrue(made.get(0).startsWith("ca.pem (expired"), made.get(0));
        assertEquals("n1.pem (new CA)", made.get(1));
        assertNotEquals(new String(ca, StandardCharsets.US_ASCII), Files.readString(files.caCert()));

        Files.writeString(files.caCert(), "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        made = DevCertificates.ensure(dir, IDS, now).made();
        assertTrue(made.get(0).startsWith("ca.pem (unreadable"), made.get(0));
        X509Certificate newCa = Pem.certificates(files.caCert()).get(0);
        for (String id : IDS) {
            Pem.certificates(files.node(id).cert()).get(0).verify(newCa.getPublicKey());
        }

        Files.writeString(files.caKey(), "garbage\n");
        assertTrue(DevCertificates.ensure(dir, IDS, now).made().get(0).startsWith("ca.pem (unreadable"));
        assertThrows(java.io.IOException.class, () -> Pem.privateKey(tmp.resolve("absent.pem")));

        Path notADir = tmp.resolve("file");
        Files.writeString(notADir, "x");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> DevCertificates.ensure(notADir, IDS, now));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void nettyAndJdkContextsFromTheFilesShakeHands(@TempDir Path tmp) throws Exception {
        DevCertificates files = DevCertificates.ensure(tmp.resolve("tls"), IDS, Instant.now());
        DevCertificates.NodeFiles n1 = files.node("n1");
        DevCertificates.NodeFiles n2 = files.node("n2");

        // The HTTP port: n1's Netty server, no client certificate; a JDK HTTPS client checking the host 127.0.0.1
        // (the IP SAN) and then localhost (the DNS SAN), trusting ca.pem only.
        SslContext httpServer = TlsContexts.server(new TlsFiles(n1.cert(), n1.key(), files.caCert()), false);
        for (String host : List.of("127.0.0.1", "localhost")) {
            SSLEngine client = jdkContext(files.caCert(), null, null).createSSLEngine(host, 8001);
            client.setUseClientMode(true);
            SSLParameters p = client.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            client.setSSLParameters(p);
            SSLEngine server = httpServer.newEngine(ByteBufAllocator.DEFAULT);
            try {
                shakeHands(client, server);
                assertTrue(PeerNames.names((X509Certificate) client.getSession().getPeerCertificates()[0], "n1"));
            } finally {
                ReferenceCountUtil.release(server);
            }
        }

        // The Raft port: mutual TLS, n2 dialling n1 with Netty contexts as the transport builds them.
        SslContext raftServer = TlsContexts.server(new TlsFiles(n1.cert(), n1.key(), files.caCert()), true);
        SslContext raftClient = TlsContexts.client(new TlsFiles(n2.cert(), n2.key(), files.caCert()));
        SSLEngine client = raftClient.newEngine(ByteBufAllocator.DEFAULT, "127.0.0.1", 7001);
        SSLEngine server = raftServer.newEngine(ByteBufAllocator.DEFAULT);
        try {
            shakeHands(client, server);
            assertTrue(PeerNames.names((X509Certificate) server.getSession().getPeerCertificates()[0], "n2"), "n1 sees n2");
            assertTrue(PeerNames.names((X509Certificate) client.getSession().getPeerCertificates()[0], "n1"), "n2 sees n1");
        } finally {
            ReferenceCountUtil.release(client);
            ReferenceCountUtil.release(server);
        }

        // A JDK client trusting another CA is refused.
        CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(1));
        other.ca().write(tmp.resolve("other.pem"), tmp.resolve("other-key.pem"));
        SSLEngine stranger = jdkContext(tmp.resolve("other.pem"), null, null).createSSLEngine("127.0.0.1", 8001);
        stranger.setUseClientMode(true);
        SSLEngine s2 = httpServer.newEngine(ByteBufAllocator.DEFAULT);
        try {
            assertThrows(SSLException.class, () -> shakeHands(stranger, s2));
        } finally {
            ReferenceCountUtil.release(s2);
        }
    }

    /** A JDK context trusting the CA in {@code caFile}, presenting {@code certFile} with {@code keyFile} if given. */
    private static SSLContext jdkContext(Path caFile, Path certFile, Path keyFile) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", Pem.certificates(caFile).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (certFile != null) {
            keys.setKeyEntry("me", Pem.privateKey(keyFile), new char[0], Pem.certificates(certFile).toArray(Certificate[]::new));
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * Runs a handshake between two engines in memory, then sends "ping" from the client to the server and checks it
     * arrives: the proof that both ends finished. Throws the engines' SSLException when one refuses the other.
     */
    private static void shakeHands(SSLEngine client, SSLEngine server) throws SSLException {
        int size = 1 << 17;
        ByteBuffer toServer = ByteBuffer.allocate(size);
        ByteBuffer toClient = ByteBuffer.allocate(size);
        ByteBuffer clientApp = ByteBuffer.allocate(size);
        ByteBuffer serverApp = ByteBuffer.allocate(size);
        ByteBuffer ping = ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer empty = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 200; round++) {
            boolean clientReady = !handshaking(client);
            step(client, clientReady ? ping : empty, toServer);
            toServer.flip();
            unwrapAll(server, toServer, serverApp);
            toServer.compact();
            step(server, empty, toClient);
            toClient.flip();
            unwrapAll(client, toClient, clientApp);
            toClient.compact();
            if (serverApp.position() == 4) {
                serverApp.flip();
                assertEquals("ping", StandardCharsets.US_ASCII.decode(serverApp).toString());
                return;
            }
        }
        throw new AssertionError("no handshake after 200 rounds: client " + client.getHandshakeStatus() + ", server "
                + server.getHandshakeStatus());
    }

    private static boolean handshaking(SSLEngine e) {
        SSLEngineResult.HandshakeStatus s = e.getHandshakeStatus();
        return s != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && s != SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private static void step(SSLEngine e, ByteBuffer src, ByteBuffer out) throws SSLException {
        for (int i = 0; i < 8; i++) {
            SSLEngineResult r = e.wrap(src, out);
            runTasks(e);
            if (r.bytesProduced() == 0) {
                return;
            }
        }
    }

    private static void unwrapAll(SSLEngine e, ByteBuffer in, ByteBuffer app) throws SSLException {
        while (in.hasRemaining()) {
            SSLEngineResult r = e.unwrap(in, app);
            runTasks(e);
            if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) {
                return;
            }
        }
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable task = e.getDelegatedTask(); task != null; task = e.getDelegatedTask()) {
            task.run();
        }
    }

    private static Map<Path, byte[]> contents(Path dir) throws Exception {
        Map<Path, byte[]> m = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                m.put(f, Files.readAllBytes(f));
            }
        }
        return m;
    }

    private static void assertContentsEqual(Map<Path, byte[]> a, Map<Path, byte[]> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), k.toString()));
    }
}
