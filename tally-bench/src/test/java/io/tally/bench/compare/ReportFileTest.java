package io.tally.bench.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReportFileTest {

    @TempDir
    Path dir;

    @Test
    void aRerunReplacesOnlyItsOwnSection() throws Exception {
        Path f = dir.resolve("benchmarks.md");
        Files.writeString(f, "# Benchmarks\n\nintro\n\n<!-- compare:product:begin -->\nold product\n<!-- compare:product:end -->\n\n"
                + "<!-- compare:library:begin -->\nold library\n<!-- compare:library:end -->\n\ntail\n");
        ReportFile.replaceSection(f, "product", "new product\n");
        assertEquals("# Benchmarks\n\nintro\n\n<!-- compare:product:begin -->\nnew product\n<!-- compare:product:end -->\n\n"
                + "<!-- compare:library:begin -->\nold library\n<!-- compare:library:end -->\n\ntail\n", Files.readString(f));
    }

    @Test
    void aFileWithoutMarkersGetsTheSectionAppended() throws Exception {
        Path f = dir.resolve("other.md");
        Files.writeString(f, "text\n");
        ReportFile.replaceSection(f, "library", "figures");
        assertEquals("text\n\n<!-- compare:library:begin -->\nfigures\n<!-- compare:library:end -->\n", Files.readString(f));
    }
}
