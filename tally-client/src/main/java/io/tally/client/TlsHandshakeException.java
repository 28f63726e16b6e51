package io.tally.client;

/**
 * A TLS handshake with a node failed: its certificate is not signed by a CA the client trusts, does not name the
 * address the client dialled, or has expired; or the node refused the client's certificate, or does not speak TLS.
 * The client does not retry it (another try would meet the same certificate); nothing was sent.
 */
public class TlsHandshakeException extends TallyException {

    private static final long serialVersionUID = 1L;

    public TlsHandshakeException(String message, Throwable cause) {
        super(0, "tls-handshake-failed", message, cause);
    }
}
