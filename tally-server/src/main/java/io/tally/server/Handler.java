package io.tally.server;

import java.util.concurrent.CompletableFuture;

/**
 * The handler of one resource of the HTTP API ({@link Router} picks it by path). It runs on the connection's event
 * loop and must not block there: it answers with a future that completes with the reply, or with the
 * {@link HttpError} to answer. It may also throw the error at once.
 */
@FunctionalInterface
interface Handler {

    CompletableFuture<Reply> handle(Exchange ex) throws HttpError;
}
