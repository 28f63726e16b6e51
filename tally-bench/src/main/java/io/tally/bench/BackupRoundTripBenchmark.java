package io.tally.bench;

import io.tally.kv.KvBackup;
import io.tally.kv.KvCommand;
import io.tally.kv.KvStateMachine;
import io.tally.raft.StateMachine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A backup of a large store, restored and backed up again: the second backup must be byte for byte the first. The
 * store is filled through the state machine's apply path ({@code --keys} puts of {@code --value-size} bytes, in
 * batches of 1,000 commands); the backups go through files on disk, as {@code ./tally snapshot save} and
 * {@code restore} do. Prints the time of each step and the backup's size.
 *
 * <p>Usage: {@code BackupRoundTripBenchmark [--keys 1000000] [--value-size 100]}
 */
public final class BackupRoundTripBenchmark {

    public static void main(String[] args) throws Exception {
        int keys = BenchArgs.intArg(args, "--keys", 1_000_000);
        int valueSize = BenchArgs.intArg(args, "--value-size", 100);
        Path dir = Files.createTempDirectory("tally-backup-bench");
        try {
            KvStateMachine source = new KvStateMachine(Duration.ofHours(1));
            long t0 = System.nanoTime();
            long index = 0;
            byte[] value = new byte[valueSize];
            for (int i = 0; i < keys; i += 1000) {
                List<StateMachine.Command> batch = new ArrayList<>(1000);
                for (int k = i; k < Math.min(keys, i + 1000); k++) {
                    Arrays.fill(value, (byte) ('a' + k % 26));
                    batch.add(new StateMachine.Command(++index, 1,
                            KvCommand.put(String.format("key/%08d", k), value.clone()).encode()));
                }
                source.apply(batch);
            }
            long filled = System.nanoTime();

            Path first = dir.resolve("first.tbak");
            backup(source, first);
            long saved = System.nanoTime();

            KvStateMachine restored = new KvStateMachine(Duration.ofHours(1));
            ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
            try (InputStream in = Files.newInputStream(first)) {
                KvBackup.Info info = KvBackup.read(in, snapshot);
                System.out.printf("backup: revision %d, %d keys, %d events of history, sha256 %s%n", info.revision(),
                        info.keys(), info.events(), info.sha256());
            }
            restored.restore(new ByteArrayInputStream(snapshot.toByteArray()));
            long restoredAt = System.nanoTime();

            Path second = dir.resolve("second.tbak");
            backup(restored, second);
            long savedAgain = System.nanoTime();

            boolean same = Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(second));
            System.out.printf("%d keys of %d B: filled in %.1f s; backup %.1f s, %.1f MiB; verify + restore %.1f s; "
                            + "second backup %.1f s; byte for byte equal: %s%n", keys, valueSize, (filled - t0) / 1e9,
                    (saved - filled) / 1e9, Files.size(first) / 1048576.0, (restoredAt - saved) / 1e9,
                    (savedAgain - restoredAt) / 1e9, same);
            if (!same || restored.size() != keys) {
                throw new IllegalStateException("the round trip changed the store: " + restored.size() + " keys");
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** The state machine's snapshot, as a Raft snapshot store would hold it, wrapped into a backup file. */
    private static void backup(KvStateMachine sm, Path file) throws Exception {
        Path raw = file.resolveSibling(file.getFileName() + ".snapshot");
        try (OutputStream out = Files.newOutputStream(raw)) {
            sm.snapshot().writeTo(out);
        }
        try (InputStream in = Files.newInputStream(raw); OutputStream out = Files.newOutputStream(file)) {
            KvBackup.write(in, Files.size(raw), out);
        }
        Files.delete(raw);
        byte[] head = Arrays.copyOf(Files.readAllBytes(file), 4);
        if (!new String(head, StandardCharsets.US_ASCII).equals("TBAK")) {
            throw new IllegalStateException("not a backup file");
        }
    }
}
