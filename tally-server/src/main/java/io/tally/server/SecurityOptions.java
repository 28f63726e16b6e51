package io.tally.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The node's security settings (docs/security.md): TLS on the HTTP port, mutual TLS on the Raft port, and the life of
 * authentication tokens. Certificates and keys are PEM files, reloaded when they change.
 *
 * @param tlsCert      this node's HTTP certificate chain (with {@code tlsKey}: the HTTP port speaks only TLS); null: plain
 * @param tlsKey       its private key (PKCS#8, or PKCS#1/SEC1)
 * @param tlsClientCa  with it, HTTP clients must present a certificate this CA signed (mutual TLS); null: any client
 * @param tlsCa        the CAs this node trusts for the other members' HTTP certificates, when it forwards to the leader
 *                     or joins; null: the JDK's trusted CAs
 * @param peerTlsCert  this node's Raft certificate: its CN or a DNS SAN must be its id; with the key and CA, the Raft
 *                     port speaks only mutual TLS; null: plain
 * @param peerTlsKey   its private key
 * @param peerTlsCa    the CA every member's Raft certificate must be signed by
 * @param tokenTtl     how long a token from {@code POST /v1/auth/token} is valid
 */
public record SecurityOptions(Path tlsCert, Path tlsKey, Path tlsClientCa, Path tlsCa, Path peerTlsCert,
                              Path peerTlsKey, Path peerTlsCa, Duration tokenTtl) {

    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(10);
    public static final SecurityOptions NONE = new SecurityOptions(null, null, null, null, null, null, null,
            DEFAULT_TOKEN_TTL);

    public boolean httpTls() {
        return tlsCert != null;
    }

    public boolean peerTls() {
        return peerTlsCert != null;
    }

    static SecurityOptions parse(Map<String, String> flags) throws UsageException {
        Path cert = file(flags, "tls-cert");
        Path key = file(flags, "tls-key");
        Path clientCa = file(flags, "tls-client-ca");
        Path ca = file(flags, "tls-ca");
        if ((cert == null) != (key == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (cert == null && (clientCa != null || ca != null)) {
            throw new UsageException("--tls-client-ca and --tls-ca need --tls-cert and --tls-key (a cluster's HTTP ports "
                    + "are all TLS or all plaintext)");
        }
        Path peerCert = file(flags, "peer-tls-cert");
        Path peerKey = file(flags, "peer-tls-key");
        Path peerCa = file(flags, "peer-tls-ca");
        int given = (peerCert == null ? 0 : 1) + (peerKey == null ? 0 : 1) + (peerCa == null ? 0 : 1);
        if (given != 0 && given != 3) {
            throw new UsageException("--peer-tls-cert, --peer-tls-key and --peer-tls-ca go together (mutual TLS: "
                    + "each member proves its id and checks the others')");
        }
        Duration ttl = DEFAULT_TOKEN_TTL;
        String t = flags.get("auth-token-ttl");
        if (t != null) {
            try {
                ttl = Durations.parse("--auth-token-ttl", t, Duration.ofHours(24));
            } catch (HttpError e) {
                throw new UsageException(e.getMessage());
            }
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new UsageException("--auth-token-ttl must be at least 1s");
            }
        }
        return new SecurityOptions(cert, key, clientCa, ca, peerCert, peerKey, peerCa, ttl);
    }

    private static Path file(Map<String, String> flags, String name) throws UsageException {
        String v = flags.get(name);
        if (v == null) {
            return null;
        }
        Path p = Path.of(v);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new UsageException("--" + name + " " + v + " is not a readable file");
        }
        return p.toAbsolutePath();
    }
}
