package io.tally.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The client's side of TLS on the HTTP port: TLS 1.3 or 1.2, the nodes' certificates checked against the trusted CA
 * file (or the JDK's CAs when there is none) and against the address dialled (as any HTTPS client does), and the
 * client's own certificate presented when a node asks (mutual TLS, {@code --tls-client-ca} on the node).
 *
 * @param ca   PEM CA certificate(s) the nodes' certificates must chain to; null: the JDK's trusted CAs
 * @param cert PEM certificate chain the client presents; null: none
 * @param key  the PEM private key of {@code cert} (PKCS#8; PKCS#1 and SEC1 when Bouncy Castle is on the class path)
 */
record ClientTls(Path ca, Path cert, Path key) {

    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** The Netty context; an {@link IllegalArgumentException} that names the file when one cannot be used. */
    SslContext context() {
        check(ca, "the trusted CA file");
        check(cert, "the client certificate file");
        check(key, "the client key file");
        try {
            SslContextBuilder b = SslContextBuilder.forClient().protocols(PROTOCOLS);
            if (ca != null) {
                b.trustManager(ca.toFile());
            }
            if (cert != null) {
                b.keyManager(cert.toFile(), key.toFile());
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use the TLS files (CA " + ca + ", certificate " + cert + ", key "
                    + key + "): " + rootMessage(e), e);
        }
    }

    /** A handler for a connection to {@code host:port} that checks the node's certificate names that host. */
    static SslHandler handler(SslContext context, ByteBufAllocator alloc, String host, int port) {
        SslHandler ssl = context.newHandler(alloc, host, port);
        SSLEngine engine = ssl.engine();
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(p);
        return ssl;
    }

    /** What a failed handshake with {@code endpoint} is reported as. */
    static TlsHandshakeException handshakeFailed(String endpoint, Throwable cause) {
        return new TlsHandshakeException("TLS handshake with " + endpoint + " failed (does the node's certificate chain "
                + "to the trusted CA, name the address dialled, and is it current; does the node speak TLS; does it "
                + "accept the client's certificate?): " + rootMessage(cause), cause);
    }

    private static void check(Path file, String what) {
        if (file != null && !Files.isReadable(file)) {
            throw new IllegalArgumentException(what + " " + file + " does not exist or cannot be read");
        }
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage() != null ? c.getMessage() : c.toString();
        return c == t ? m : m + " (" + (t.getMessage() != null ? t.getMessage() : t.toString()) + ")";
    }
}
