package io.tally.server;

import io.tally.testkit.harness.Poll;
import io.tally.transport.netty.FrameCodec;
import io.tally.transport.netty.tls.CertificateAuthority;
import io.tally.wire.v1.Frame;
import io.tally.wire.v1.Hello;
import io.tally.wire.v1.Lane;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS on both ports of three node processes (docs/security.md): HTTPS with client certificates, forwarding over
 * HTTPS, mutual TLS between members; and every way in that must be refused is, with nothing applied.
 */
class TlsProcessTest {

    private static ProcessCluster cluster;
    private static TestTls tls;
    private static TestTls rogue;
    private static CertificateAuthority.Issued client;
    private static TestHttp https;
    private static String leader;
    private static String follower;

    @BeforeAll
    static void start() throws Exception {
        cluster = ProcessCluster.loopback("tls", 3);
        Path dir = cluster.nodes.get(0).dataDir.getParent().resolve("tls");
        tls = new TestTls(dir, "test CA");
        rogue = new TestTls(dir.resolve("rogue"), "another CA");
        for (NodeProcess p : cluster.nodes) {
            tls.issue(p.id);
            p.extraFlags().addAll(tls.nodeFlags(p.id));
        }
        client = tls.issue("client");
        https = new TestHttp(tls.context(client));
        cluster.startAll();
        NodeProcess l = Poll.until("a leader over HTTPS", Duration.ofSeconds(40), () -> cluster.nodes.stream()
                .filter(p -> https.call(p.httpAddress(), "GET", "/v1/status", null, Map.of()).text().contains("\"state\":\"leader\""))
                .findFirst());
        leader = l.httpAddress();
        follower = cluster.nodes.stream().filter(p -> p != l).findFirst().orElseThrow().httpAddress();
        Poll.until("a write through a follower over HTTPS", Duration.ofSeconds(20),
                () -> https.call(follower, "PUT", "/v1/kv/ready", "1", Map.of()).status() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static void absent(String key) {
        https.call(leader, "PUT", "/v1/kv/barrier", "x", Map.of());
        for (NodeProcess p : cluster.nodes) {
            Poll.until(p.id + " applied the barrier", Duration.ofSeconds(10), () -> https.call(p.httpAddress(), "GET",
                    "/v1/kv/barrier?consistency=stale", null, Map.of()).status() == 200);
            assertEquals(404, https.call(p.httpAddress(), "GET", "/v1/kv/" + key + "?consistency=stale", null, Map.of()).status(),
                    p.id + " holds " + key);
        }
    }

    @Test
    void writesGoThroughAFollowerOverHttpsAndMutualTls() {
        TestHttp.Resp put = https.call(follower, "PUT", "/v1/kv/tls/a", "over TLS", Map.of());
        assertEquals(200, put.status(), put.toString());
        assertEquals("over TLS", https.call(leader, "GET", "/v1/kv/tls/a", null, Map.of()).text());
        assertEquals("over TLS", https.call(follower, "GET", "/v1/kv/tls/a", null, Map.of()).text());
    }

    @Test
    void aPlaintextClientIsRefusedWithAClearAnswer() throws Exception {
        TestHttp.Resp r = new TestHttp().call(follower, "PUT", "/v1/kv/tls/plain", "x", Map.of());
        assertEquals(400, r.status(), r.toString());
        assertEquals("tls-required", r.code());
        absent("tls/plain");
    }

    @Test
    void clientCertificatesFromAnotherCaExpiredOrMissingAreRefused() throws Exception {
        CertificateAuthority.Issued foreign = rogue.issue("client");
        CertificateAuthority.Issued expired = tls.expired("old-client");
        for (SSLContext ctx : List.of(TestTls.context(tls.ca.ca().cert(), foreign), tls.context(expired), tls.context(null))) {
            TestHttp.Resp r = new TestHttp(ctx).call(follower, "PUT", "/v1/kv/tls/refused", "x", Map.of());
            assertEquals(0, r.status(), "the TLS handshake must fail: " + r);
        }
        // A client that does not trust the nodes' CA does not talk to them either.
        TestHttp.Resp r = new TestHttp(TestTls.context(rogue.ca.ca().cert(), client)).call(follower, "PUT",
                "/v1/kv/tls/refused", "x", Map.of());
        assertEquals(0, r.status(), r.toString());
        absent("tls/refused");
    }

    /** A raw peer on a node's Raft port: completes TLS with {@code cert}, says Hello from {@code from}, reads the answer. */
    private static Frame hello(NodeProcess target, X509Certificate trusted, CertificateAuthority.Issued cert, String from)
            throws Exception {
        SSLContext ctx = TestTls.context(trusted, cert);
        try (Socket raw = new Socket("127.0.0.1", target.raftPort);
             SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", target.raftPort, true)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write(FrameCodec.encode(Frame.newBuilder().setHello(Hello.newBuilder().setVersion(1)
                    .setClusterId("process-test").setFrom(from).setTo(target.id).setLane(Lane.LANE_CONTROL)).build()));
            out.flush();
            return read(new DataInputStream(s.getInputStream()));
        }
    }

    private static Frame read(DataInputStream in) throws IOException {
        int length = in.readInt();
        in.readInt(); // checksum
        byte[] payload = in.readNBytes(length);
        return Frame.parseFrom(payload);
    }

    private static long term(String http) {
        return https.call(http, "GET", "/v1/status", null, Map.of()).json().get("term").asLong();
    }

    @Test
    void aPeerMustProveTheIdItClaimsAndBeAMember() throws Exception {
        NodeProcess target = cluster.nodes.get(0);
        long term = term(leader);
        X509Certificate ca = tls.ca.ca().cert();
        CertificateAuthority.Issued n2 = tls.issue("n2-again"); // a valid member certificate names n2-again...
        Frame claimed = hello(target, ca, n2, "n3"); // ...and cannot speak as n3
        assertTrue(claimed.hasReject() && claimed.getReject().getReason().contains("not 'n3'"), claimed.toString());
        // A certificate from the right CA for an id outside the configuration: refused while there is a leader.
        Frame stranger = hello(target, ca, tls.issue("n9"), "n9");
        assertTrue(stranger.hasReject() && stranger.getReject().getReason().contains("not a member"), stranger.toString());
        // A certificate from another CA never completes TLS.
        assertThrows(IOException.class, () -> hello(target, ca, rogue.issue("n3"), "n3"));
        // A plaintext peer is told why.
        try (Socket s = new Socket("127.0.0.1", target.raftPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(FrameCodec.encode(Frame.newBuilder().setHello(Hello.newBuilder().setVersion(1)
                    .setClusterId("process-test").setFrom("n2").setTo(target.id).setLane(Lane.LANE_CONTROL)).build()));
            Frame f = read(new DataInputStream(s.getInputStream()));
            assertTrue(f.hasReject() && f.getReject().getReason().contains("requires mutual TLS"), f.toString());
        }
        assertTrue(target.log().contains("speaks plaintext"), "the node logs the mismatch");
        assertEquals(term, term(leader), "nothing a refused peer sent reached Raft");
        assertEquals(200, https.call(follower, "PUT", "/v1/kv/tls/after", "x", Map.of()).status());
    }

    @Test
    void anEmptyNodeJoinsOverHttpsAndMutualTls() throws Exception {
        NodeProcess first = cluster.nodes.get(0);
        Path base = first.dataDir.getParent();
        NodeProcess n4 = new NodeProcess("n4", "127.0.0.1", ProcessCluster.freePort(), "127.0.0.1", ProcessCluster.freePort(),
                base.resolve("n4"), base.resolve("logs"), List.of(), List.of());
        tls.issue("n4");
        n4.extraFlags().addAll(tls.nodeFlags("n4"));
        String endpoints = cluster.nodes.stream().filter(p -> p != n4).map(NodeProcess::httpAddress)
                .collect(java.util.stream.Collectors.joining(","));
        // Its preflight (is n4 a voter already?) and its join request go to the members' HTTPS ports with its own
        // certificate; then the leader replicates to it over mutual TLS.
        n4.start(null, List.of("--join", endpoints, "--non-voter"));
        try {
            Poll.until("n4 in the configuration", Duration.ofSeconds(60), () -> https.call(leader, "GET",
                    "/v1/cluster/members", null, Map.of()).text().contains("\"n4\""));
            assertEquals(200, https.call(follower, "PUT", "/v1/kv/tls/joined", "after n4", Map.of()).status());
            Poll.until("n4 applied the write", Duration.ofSeconds(30), () -> "after n4".equals(https.call(n4.httpAddress(),
                    "GET", "/v1/kv/tls/joined?consistency=stale", null, Map.of()).text()));
        } finally {
            n4.kill(); // a non-voter: the others' quorum does not count it
        }
    }

    @Test
    void aCertificateRotatedOnDiskIsUsedWithoutAnErrorForAWritingClient() throws Exception {
        NodeProcess target = cluster.nodes.stream().filter(p -> p.httpAddress().equals(follower)).findFirst().orElseThrow();
        AtomicInteger written = new AtomicInteger();
        AtomicReference<String> error = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; error.get() == null && !stop.get(); i++) {
                TestHttp.Resp r = https.call(follower, "PUT", "/v1/kv/rot/" + i, "v", Map.of());
                if (r.status() != 200) {
                    error.set("write " + i + ": " + r);
                }
                written.incrementAndGet();
            }
        });
        writer.start();
        try {
            Poll.until("writes flowing", Duration.ofSeconds(20), () -> written.get() > 20);
            X509Certificate before = serverCert(follower);
            CertificateAuthority.Issued next = tls.issue(target.id); // rewrites its certificate and key files
            Poll.until("the node serves its new certificate", Duration.ofSeconds(20),
                    () -> serverCert(follower).getSerialNumber().equals(next.cert().getSerialNumber()));
            assertNotEquals(before.getSerialNumber(), next.cert().getSerialNumber());
            int after = written.get();
            Poll.until("writes go on", Duration.ofSeconds(20), () -> written.get() > after + 20 || error.get() != null);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertEquals(null, error.get());
        assertTrue(target.log().contains("reloaded"), "the reload is logged");
    }

    /** The certificate a fresh HTTPS connection to {@code http} is shown. */
    private static X509Certificate serverCert(String http) {
        try {
            SSLContext ctx = tls.context(client);
            String host = http.substring(0, http.lastIndexOf(':'));
            int port = Integer.parseInt(http.substring(http.lastIndexOf(':') + 1));
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
                s.setSoTimeout(5_000);
                s.startHandshake();
                return (X509Certificate) s.getSession().getPeerCertificates()[0];
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
