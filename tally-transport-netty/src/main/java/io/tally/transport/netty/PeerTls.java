package io.tally.transport.netty;

import io.tally.transport.netty.tls.ReloadingTls;
import io.tally.transport.netty.tls.TlsContexts;
import io.tally.transport.netty.tls.TlsFiles;

import javax.net.ssl.SSLException;
import java.time.Duration;

/**
 * Mutual TLS on the Raft port (docs/wire.md, "TLS"): every member presents a certificate signed by the cluster's peer
 * CA that names its id (CN or a DNS SAN), and checks the other end's the same way, both when it accepts and when it
 * dials. The files are reloaded when they change, without dropping a connection.
 */
public final class PeerTls implements AutoCloseable {

    private final ReloadingTls server;
    private final ReloadingTls client;

    private PeerTls(ReloadingTls server, ReloadingTls client) {
        this.server = server;
        this.client = client;
    }

    /** Loads {@code files} (certificate, key and the peer CA, all required) and checks them again every {@code interval}. */
    public static PeerTls of(TlsFiles files, Duration interval) throws SSLException {
        if (files.cert() == null || files.ca() == null) {
            throw new IllegalArgumentException("mutual TLS needs a certificate, its key and the peer CA");
        }
        ReloadingTls server = new ReloadingTls("Raft peers (accepting)", files, f -> TlsContexts.server(f, true), interval);
        try {
            return new PeerTls(server, new ReloadingTls("Raft peers (dialing)", files, TlsContexts::client, interval));
        } catch (SSLException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public static PeerTls of(TlsFiles files) throws SSLException {
        return of(files, ReloadingTls.INTERVAL);
    }

    ReloadingTls server() {
        return server;
    }

    ReloadingTls client() {
        return client;
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }
}
