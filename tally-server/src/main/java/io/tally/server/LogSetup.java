package io.tally.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.FileSize;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Configures Logback for the node process from {@link LogSettings}, replacing the jar's default configuration
 * ({@code logback.xml}: text, warnings only, for the CLI's commands). Text lines read
 * {@code 2025-01-31T14:02:03.117+01:00 INFO  [thread] logger - message}; JSON lines are Logstash's format
 * ({@code @timestamp} in ISO-8601 with the zone offset, {@code level}, {@code logger_name}, {@code thread_name},
 * {@code message}, {@code stack_trace}, and the event's key/value pairs such as {@code term} and {@code index}).
 */
public final class LogSetup {

    /** The text format's layout: ISO-8601 time with zone, level, thread, logger, message. */
    public static final String TEXT_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n%ex";
    /** A log file rolls over daily and when it reaches this size; rolled files are compressed. */
    public static final String MAX_FILE_SIZE = "100MB";
    /** Days of rolled files kept. */
    public static final int MAX_HISTORY_DAYS = 7;
    /** Rolled files beyond this total are deleted, oldest first. */
    public static final String TOTAL_SIZE_CAP = "1GB";

    private LogSetup() {
    }

    /**
     * Replaces the logging configuration of this process.
     *
     * @throws UsageException when the log file cannot be created or written
     */
    public static void apply(LogSettings settings) throws UsageException {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        if (settings.file() != null) {
            checkWritable(settings.file());
        }
        ctx.reset();
        long since = System.currentTimeMillis();
        Encoder<ILoggingEvent> encoder = encoder(ctx, settings.format());
        OutputStreamAppender<ILoggingEvent> appender = settings.file() == null ? console(ctx, encoder)
                : rollingFile(ctx, encoder, settings.file());
        Level level = Level.toLevel(settings.level(), Level.INFO);
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(appender);
        // Netty's INFO and DEBUG lines are about its own internals; an operator asking for debug gets them too.
        ctx.getLogger("io.netty").setLevel(level.isGreaterOrEqual(Level.INFO) ? Level.WARN : level);
        for (Status s : ctx.getStatusManager().getCopyOfStatusList()) {
            if (s.getLevel() == Status.ERROR && s.getTimestamp() >= since) {
                throw new UsageException("cannot set up logging: " + s.getMessage()
                        + (s.getThrowable() != null ? ": " + s.getThrowable().getMessage() : ""));
            }
        }
    }

    private static void checkWritable(Path file) throws UsageException {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            if (Files.isDirectory(file)) {
                throw new UsageException("--log-file " + file + " is a directory");
            }
            if (Files.exists(file) ? !Files.isWritable(file) : dir != null && !Files.isWritable(dir)) {
                throw new UsageException("--log-file " + file + " is not writable");
            }
        } catch (IOException e) {
            throw new UsageException("--log-file " + file + ": cannot create its directory: " + e);
        }
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext ctx, String format) {
        if (format.equals("json")) {
            LogstashEncoder json = new LogstashEncoder();
            json.setContext(ctx);
            json.start();
            return json;
        }
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(ctx);
        text.setPattern(TEXT_PATTERN);
        text.start();
        return text;
    }

    private static OutputStreamAppender<ILoggingEvent> console(LoggerContext ctx, Encoder<ILoggingEvent> encoder) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("stderr");
        console.setTarget("System.err"); // stdout carries the READY line and the CLI's answers
        console.setEncoder(encoder);
        console.start();
        return console;
    }

    private static OutputStreamAppender<ILoggingEvent> rollingFile(LoggerContext ctx, Encoder<ILoggingEvent> encoder,
                                                                   Path file) {
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(ctx);
        appender.setName("file");
        appender.setFile(file.toString());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(ctx);
        policy.setParent(appender);
        policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i.gz");
        policy.setMaxFileSize(FileSize.valueOf(MAX_FILE_SIZE));
        policy.setMaxHistory(MAX_HISTORY_DAYS);
        policy.setTotalSizeCap(FileSize.valueOf(TOTAL_SIZE_CAP));
        policy.start();
        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
