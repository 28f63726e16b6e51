package io.tally.raft.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN.md §2.1: the core has no threads, no clock, no I/O and no locks. This scans the core's sources for
 * anything that would give it one, so the rule cannot erode silently.
 */
class CorePurityTest {

    private static final Path CORE = Path.of("src/main/java/io/tally/raft/core");

    private static final List<Pattern> FORBIDDEN = List.of(
            Pattern.compile("\\bThread\\b"),
            Pattern.compile("\\bsynchronized\\b"),
            Pattern.compile("java\\.util\\.concurrent"),
            Pattern.compile("System\\.(nanoTime|currentTimeMillis)"),
            Pattern.compile("\\b(Instant|LocalDateTime|Clock)\\.now"),
            Pattern.compile("java\\.time\\.Clock"),
            Pattern.compile("java\\.nio\\.(file|channels)"),
            Pattern.compile("java\\.io\\.(File|RandomAccessFile|FileInputStream|FileOutputStream)\\b"),
            Pattern.compile("java\\.net\\."),
            Pattern.compile("new\\s+(java\\.util\\.)?Random\\s*\\("),
            Pattern.compile("Math\\.random"),
            Pattern.compile("ThreadLocalRandom"));

    @Test
    void coreSourcesUseNoThreadsClocksFilesOrLocks() throws IOException {
        assertTrue(Files.isDirectory(CORE), "core sources not found at " + CORE.toAbsolutePath());
        List<String> offences = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.list(CORE)) {
            for (Path p : paths.filter(f -> f.toString().endsWith(".java")).toList()) {
                files++;
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (line.trim().startsWith("*") || line.trim().startsWith("//")) {
                        continue; // comments may mention what the core avoids
                    }
                    for (Pattern f : FORBIDDEN) {
                        if (f.matcher(line).find()) {
                            offences.add(p.getFileName() + ":" + (i + 1) + ": " + line.trim());
                        }
                    }
                }
            }
        }
        assertTrue(files >= 10, "expected the core's sources, found " + files + " files");
        assertEquals(List.of(), offences, "the core must stay pure (DESIGN.md §2.1)");
    }
}
