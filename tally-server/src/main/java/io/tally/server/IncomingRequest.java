package io.tally.server;

import io.netty.handler.codec.http.HttpRequest;

/**
 * A whole request as {@link RequestAggregator} passes it on: its head and body, or the refusal to answer instead
 * (malformed, or a body over the limit), and whether the connection must close after the answer.
 *
 * @param head       the request line and headers
 * @param body       the body; empty when refused
 * @param refusal    the error to answer without serving the request, or null
 * @param closeAfter the connection cannot carry another request after this one's answer
 */
record IncomingRequest(HttpRequest head, byte[] body, HttpError refusal, boolean closeAfter) {
}
