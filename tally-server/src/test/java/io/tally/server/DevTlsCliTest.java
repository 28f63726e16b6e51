package io.tally.server;

import io.tally.server.cli.Tally;
import io.tally.testkit.harness.Poll;
import io.tally.transport.netty.tls.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./tally dev --tls} in a child JVM (the launcher's main class, a fresh working directory): the certificates
 * it makes, a write and reads over HTTPS trusting only {@code data/dev/tls/ca.pem} (through a follower, so members
 * forward to each other over HTTPS and replicate over mutual TLS), a plaintext request refused with nothing applied,
 * and the same data directory run without TLS and with it again (certificates reused). Uses the fixed dev ports
 * 7001-7003 and 8001-8003.
 */
class DevTlsCliTest {

    private static Process dev(Path cwd, Path log, String... flags) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Tally.class.getName(), "dev"));
        cmd.addAll(List.of(flags));
        Files.deleteIfExists(log);
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            Poll.until("tally dev prints its banner", Duration.ofSeconds(60),
                    () -> !p.isAlive() || NodeProcess.read(log).contains("Ctrl-C stops the cluster"));
        } catch (AssertionError e) {
            p.destroyForcibly();
            throw new AssertionError("tally dev did not come up:\n" + Files.readString(log), e);
        }
        if (!p.isAlive()) {
            throw new AssertionError("tally dev exited:\n" + Files.readString(log));
        }
        return p;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM: the same clean shutdown as Ctrl-C
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "dev stopped");
    }

    private static HttpClient trusting(Path caFile) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", Pem.certificates(caFile).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> put(HttpClient http, String url, String value) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .PUT(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void devWithTlsServesHttpsTrustingItsCaRefusesPlaintextAndKeepsItsData(@TempDir Path cwd) throws Exception {
        Path log = cwd.resolve("dev.log");
        Path ca = cwd.resolve("data/dev/tls/ca.pem");
        Process dev = dev(cwd, log, "--tls");
        byte[] caBytes;
        try {
            String banner = Files.readString(log);
            for (int port : new int[] {8001, 8002, 8003}) {
                assertTrue(banner.contains("https://127.0.0.1:" + port), banner);
            }
            assertTrue(banner.contains("curl --cacert data/dev/tls/ca.pem -X PUT --data-binary 'world' "
                    + "https://127.0.0.1:8001/v1/kv/hello"), banner);
            assertTrue(banner.contains("curl --cacert data/dev/tls/ca.pem https://127.0.0.1:8002/v1/kv/hello"), banner);
            assertTrue(banner.contains("./tally --cacert data/dev/tls/ca.pem get hello"), banner);
            assertTrue(banner.contains("made now: ca.pem (missing), n1.pem (new CA)"), banner);
            caBytes = Files.readAllBytes(ca);

            // The printed curl lines, as the JDK's HTTPS client trusting ca.pem only: a write to each node in turn (two
            // of them followers, which forward to the leader over HTTPS), read back from another.
            HttpClient https = trusting(ca);
            for (int port : new int[] {8001, 8002, 8003}) {
                HttpResponse<String> w = put(https, "https://127.0.0.1:" + port + "/v1/kv/hello", "world" + port);
                assertEquals(200, w.statusCode(), w.body());
                int other = port == 8003 ? 8001 : port + 1;
                assertEquals("world" + port, get(https, "https://127.0.0.1:" + other + "/v1/kv/hello").body());
            }

            // Plaintext on the TLS port: refused, and nothing applied.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> p = put(plain, "http://127.0.0.1:8002/v1/kv/plain", "x");
            assertEquals(400, p.statusCode(), p.body());
            assertTrue(p.body().contains("tls-required"), p.body());
            assertEquals(404, get(https, "https://127.0.0.1:8001/v1/kv/plain").statusCode(), "nothing applied");
        } finally {
            stop(dev);
        }

        // The same data directory without TLS: the data is there, served in plaintext; the banner says why the
        // certificates are still on disk.
        Process plainDev = dev(cwd, log);
        try {
            assertTrue(Files.readString(log).contains("holds certificates from a --tls run"), Files.readString(log));
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            assertEquals("world8003", get(plain, "http://127.0.0.1:8002/v1/kv/hello").body());
            assertEquals(200, put(plain, "http://127.0.0.1:8003/v1/kv/hello", "plain").statusCode());
        } finally {
            stop(plainDev);
        }

        // With TLS again: the same CA (clients keep trusting it), the data written in plaintext.
        Process again = dev(cwd, log, "--tls");
        try {
            assertTrue(Files.readString(log).contains("reused from an earlier run"), Files.readString(log));
            assertArrayEquals(caBytes, Files.readAllBytes(ca));
            assertEquals("plain", get(trusting(ca), "https://127.0.0.1:8001/v1/kv/hello").body());
        } finally {
            stop(again);
        }
    }
}
