package io.tally.transport.netty.tls;

import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An {@link SslContext} that follows its files: every {@code interval} it digests the certificate, key and CA, and when
 * they changed (and load) it builds a new context. New connections use the newest; a connection keeps the context it
 * started with, so rotating a certificate drops no connection. Files that do not load (half-written, mismatched) are
 * logged and the previous context stays in force until they do.
 */
public final class ReloadingTls implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadingTls.class);
    /** How often the files are checked, unless told otherwise. */
    public static final Duration INTERVAL = Duration.ofSeconds(2);

    /** Builds a context from the files. */
    @FunctionalInterface
    public interface Builder {
        SslContext build(TlsFiles files) throws SSLException;
    }

    private final TlsFiles files;
    private final Builder builder;
    private final String what;
    private final ScheduledExecutorService timer;
    private volatile SslContext current;
    private byte[] fingerprint;
    private volatile int reloads;

    /**
     * Loads the files at once (so a bad file fails here, at startup).
     *
     * @param what names the context in logs ("HTTP server", "Raft peers")
     */
    public ReloadingTls(String what, TlsFiles files, Builder builder, Duration interval) throws SSLException {
        this.what = what;
        this.files = files;
        this.builder = builder;
        try {
            this.fingerprint = files.fingerprint();
        } catch (IOException e) {
            throw new SSLException("cannot read " + files + ": " + e.getMessage(), e);
        }
        this.current = builder.build(files);
        LOG.info("{} TLS: {} on the {} engine", what, files, TlsContexts.provider());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tally-tls-reload");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public ReloadingTls(String what, TlsFiles files, Builder builder) throws SSLException {
        this(what, files, builder, INTERVAL);
    }

    /** The context new connections use. */
    public SslContext context() {
        return current;
    }

    public TlsFiles files() {
        return files;
    }

    /** How many times the files were reloaded since start. */
    public int reloads() {
        return reloads;
    }

    private void check() {
        byte[] now;
        try {
            now = files.fingerprint();
        } catch (IOException e) {
            LOG.warn("{} TLS: cannot read {} ({}); keeping the certificate in use", what, files, e.toString());
            return;
        }
        if (Arrays.equals(now, fingerprint)) {
            return;
        }
        try {
            current = builder.build(files);
            fingerprint = now;
            reloads++;
            LOG.info("{} TLS: reloaded {}", what, files);
        } catch (SSLException | RuntimeException e) {
            LOG.warn("{} TLS: {} changed but does not load ({}); keeping the certificate in use", what, files, e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
