package io.tally.transport.netty.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import javax.net.ssl.SSLException;
import java.util.List;

/**
 * Netty {@link SslContext}s as Tally uses them: TLS 1.3 and 1.2 only, forward-secret AEAD suites only (ECDHE with
 * AES-GCM or ChaCha20-Poly1305), PEM files for keys and CAs, and BoringSSL ({@code netty-tcnative-boringssl-static})
 * where it loads on this machine, else the JDK's engine.
 */
public final class TlsContexts {

    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsContexts() {
    }

    /** The engine in use: OPENSSL (BoringSSL) when it loads, else JDK. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * A server: presents {@code files}' certificate; with {@code requireClientCert}, refuses a client without a
     * certificate signed by {@code files.ca()}.
     */
    public static SslContext server(TlsFiles files, boolean requireClientCert) throws SSLException {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(files.cert().toFile(), files.key().toFile());
            if (requireClientCert) {
                b.trustManager(files.ca().toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return common(b).build();
        } catch (IllegalArgumentException e) {
            throw new SSLException("cannot use " + files + ": " + e.getMessage(), e);
        }
    }

    /**
     * A client: trusts {@code files.ca()} (null: the JDK's CAs) and presents {@code files}' certificate when it has
     * one.
     */
    public static SslContext client(TlsFiles files) throws SSLException {
        try {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (files.ca() != null) {
                b.trustManager(files.ca().toFile());
            }
            if (files.cert() != null) {
                b.keyManager(files.cert().toFile(), files.key().toFile());
            }
            return common(b).build();
        } catch (IllegalArgumentException e) {
            throw new SSLException("cannot use " + files + ": " + e.getMessage(), e);
        }
    }

    private static SslContextBuilder common(SslContextBuilder b) {
        return b.sslProvider(provider()).protocols(PROTOCOLS).ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
    }
}
