package io.tally.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a section into a Markdown file between {@code <!-- compare:NAME:begin -->} and
 * {@code <!-- compare:NAME:end -->}: a rerun replaces what the last run wrote there, and the rest of the file is
 * left alone. A file without the markers gets the section appended.
 */
final class ReportFile {

    private ReportFile() {
    }

    static void replaceSection(Path file, String name, String markdown) throws IOException {
        String begin = "<!-- compare:" + name + ":begin -->";
        String end = "<!-- compare:" + name + ":end -->";
        String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        String block = begin + "\n" + markdown.strip() + "\n" + end;
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        String updated;
        if (b >= 0 && e > b) {
            updated = text.substring(0, b) + block + text.substring(e + end.length());
        } else {
            updated = text + (text.isEmpty() || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + block + "\n";
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, updated, StandardCharsets.UTF_8);
    }
}
