package io.tally.client;

/**
 * One try of a request got no answer. {@code sent} says whether the request was written to a connection, so that
 * the server may have acted on it; a request that was never written (no connection could be opened, or the try
 * ran out of time while it waited for one) certainly was not.
 */
final class SendFailure extends Exception {

    private static final long serialVersionUID = 1L;
    final boolean sent;
    /** The TLS handshake failed: not sent, and not worth another try ({@link TlsHandshakeException}). */
    final TlsHandshakeException handshake;

    SendFailure(String message, boolean sent, Throwable cause) {
        super(message, cause, false, false);
        this.sent = sent;
        this.handshake = null;
    }

    SendFailure(TlsHandshakeException handshake) {
        super(handshake.getMessage(), handshake, false, false);
        this.sent = false;
        this.handshake = handshake;
    }
}
