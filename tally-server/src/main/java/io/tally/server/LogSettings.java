package io.tally.server;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How the node process logs ({@code --log-format}, {@code --log-level}, {@code --log-file}); {@link LogSetup} carries
 * it out.
 *
 * @param format {@code text} (one line per event, ISO-8601 time with zone) or {@code json} (one JSON object per line)
 * @param level  the most detailed level written: {@code error}, {@code warn}, {@code info}, {@code debug} or
 *               {@code trace}
 * @param file   where to write, rotated daily and at {@link LogSetup#MAX_FILE_SIZE}; null: standard error
 */
public record LogSettings(String format, String level, Path file) {

    public static final LogSettings DEFAULTS = new LogSettings("text", "info", null);

    /** Flag values, each null when not given; a bad one is a usage error naming its flag. */
    public static LogSettings parse(String format, String level, String file) throws UsageException {
        String f = format == null ? DEFAULTS.format() : format.toLowerCase(Locale.ROOT);
        if (!f.equals("text") && !f.equals("json")) {
            throw new UsageException("--log-format must be 'text' or 'json', not '" + format + "'");
        }
        String l = level == null ? DEFAULTS.level() : level.toLowerCase(Locale.ROOT);
        if (!l.matches("error|warn|info|debug|trace")) {
            throw new UsageException("--log-level must be error, warn, info, debug or trace, not '" + level + "'");
        }
        Path p = null;
        if (file != null) {
            if (file.isBlank()) {
                throw new UsageException("--log-file needs a file name");
            }
            p = Path.of(file);
        }
        return new LogSettings(f, l, p);
    }
}
