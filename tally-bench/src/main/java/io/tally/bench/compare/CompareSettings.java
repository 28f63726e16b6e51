package io.tally.bench.compare;

import java.nio.file.Path;
import java.util.List;

/**
 * What every compared system shares.
 *
 * @param workDir      where the nodes' data directories and logs go (a temporary directory; its disk is the one
 *                     whose fdatasync rate is reported)
 * @param jvmOptions   the options every JVM node starts with (Tally, SOFAJRaft and Ratis alike)
 * @param keys         the size of the key space
 * @param valueBytes   the value of a product write
 * @param commandBytes the size of a library command (an 8-byte key and the rest value)
 */
record CompareSettings(Path workDir, List<String> jvmOptions, int keys, int valueBytes, int commandBytes) {
}
