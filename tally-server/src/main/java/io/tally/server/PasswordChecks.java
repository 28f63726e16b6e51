package io.tally.server;

import io.tally.kv.auth.PasswordHash;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where passwords are hashed and checked: PBKDF2 takes tens of milliseconds on purpose, so never on an event loop. Two
 * threads and a short queue: beyond it a check is refused at once with 503 {@code overloaded}, so that a flood of
 * password guesses costs the node bounded CPU and memory (it still costs CPU: docs/security.md, denial of service).
 */
final class PasswordChecks implements AutoCloseable {

    static final int THREADS = 2;
    static final int QUEUE = 64;

    private final ThreadPoolExecutor executor;

    PasswordChecks(String nodeId) {
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
                r -> {
                    Thread t = new Thread(r, "tally-password-" + nodeId);
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Whether {@code password} matches {@code hash}, decided on a hashing thread. */
    CompletableFuture<Boolean> matches(PasswordHash hash, String password) {
        return run(() -> hash.matches(password));
    }

    /** {@code password} hashed with a fresh salt, on a hashing thread. */
    CompletableFuture<PasswordHash> hash(String password) {
        return run(() -> PasswordHash.of(password));
    }

    private <T> CompletableFuture<T> run(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(HttpError.overloaded("the node checks as many passwords as it may at "
                    + "once; retry after a pause (or use a token: POST /v1/auth/token)"));
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
