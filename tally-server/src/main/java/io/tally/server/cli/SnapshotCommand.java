package io.tally.server.cli;

import io.tally.client.TallyClient;
import io.tally.kv.KvBackup;
import io.tally.raft.model.Member;
import io.tally.server.ClusterFlag;
import io.tally.server.UsageException;
import io.tally.server.datadir.BackupRestore;
import io.tally.server.datadir.DataDirectoryToolException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally snapshot save FILE | status FILE | restore FILE ...}: backups (etcdctl's and etcdutl's model). */
@Command(name = "snapshot", mixinStandardHelpOptions = true, description = {"Back a cluster up, check a backup, and "
        + "restore one into the data directories of a new cluster."},
        subcommands = {SnapshotCommand.Save.class, SnapshotCommand.Status.class, SnapshotCommand.Restore.class})
final class SnapshotCommand implements Callable<Integer> {

    private final Console console;

    @Spec
    CommandSpec spec;

    SnapshotCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(console.err());
        return ExitCode.USAGE;
    }

    /** Reads and checks a backup file; exit 1 if it is damaged. */
    static KvBackup.Info check(Path file) {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return KvBackup.read(in, null);
        } catch (NoSuchFileException e) {
            throw CliFailure.usage("no such file: " + file);
        } catch (IOException e) {
            throw CliFailure.failed(file + " is not a good backup: " + e.getMessage());
        }
    }

    static void print(Console console, Output output, Path file, KvBackup.Info info, long fileBytes) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("file", file.toString());
        doc.put("revision", info.revision());
        doc.put("keys", info.keys());
        doc.put("leases", info.leases());
        doc.put("sessions", info.sessions());
        doc.put("events", info.events());
        doc.put("bytes", fileBytes);
        doc.put("sha256", info.sha256());
        switch (output.format) {
            case json -> Output.json(console, doc);
            case table -> Output.table(console, List.of("REVISION", "KEYS", "LEASES", "BYTES", "SHA256"),
                    List.of(List.of(Long.toString(info.revision()), Integer.toString(info.keys()), Integer.toString(info.leases()),
                            Long.toString(fileBytes), info.sha256())));
            default -> {
                console.out().println("revision: " + info.revision());
                console.out().println("keys: " + info.keys());
                console.out().println("leases: " + info.leases());
                console.out().println("sessions: " + info.sessions());
                console.out().println("history events: " + info.events());
                console.out().println("size: " + fileBytes + " bytes");
                console.out().println("sha256: " + info.sha256());
            }
        }
        console.out().flush();
    }

    @Command(name = "save", mixinStandardHelpOptions = true, description = {"Save a backup of the cluster to FILE: a "
            + "consistent point-in-time snapshot with every write acknowledged before it, its revision and a SHA-256 "
            + "checksum, checked once written.", "Written to FILE.part, renamed to FILE when whole and checked; an "
            + "existing FILE is replaced only then. --timeout (default 5m) bounds the wait for the backup to start.",
            "Output as ./tally snapshot status."})
    static final class Save implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "FILE", description = "where to write it")
        Path file;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        Save(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() throws IOException {
            Path part = file.resolveSibling(file.getFileName() + ".part");
            Duration timeout = client.timeout(Duration.ofMinutes(5));
            try (TallyClient c = client.connect(timeout)) {
                try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                     OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16)) {
                    c.backup(out, timeout);
                    out.flush();
                    ch.force(true);
                }
                KvBackup.Info info = check(part);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                if (!output.is(Output.Format.json)) {
                    console.err().println("tally snapshot save: wrote " + file);
                }
                print(console, output, file, info, Files.size(file));
                return ExitCode.OK;
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(part); // a failed save (the cluster, the disk) leaves no partial file behind
                throw e;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = {"Check a backup (its checksum and its "
            + "snapshot) and describe it: revision, keys, leases, sessions, history events, size, SHA-256. Exit 1 if it "
            + "is damaged.", "json: {\"file\", \"revision\", \"keys\", \"leases\", \"sessions\", \"events\", \"bytes\", "
            + "\"sha256\"}."})
    static final class Status implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "FILE", description = "the backup")
        Path file;

        @Mixin
        Output output;

        Status(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() throws IOException {
            KvBackup.Info info = check(file);
            print(console, output, file, info, Files.size(file));
            return ExitCode.OK;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, description = {"Write, from a backup, the data directory of "
            + "one member of a new cluster that starts with every key of the backup, under a new cluster id (offline; "
            + "etcdutl's model).",
        "Run it once per member, each with the same FILE, --cluster and --cluster-id and its own --id and --data-dir; then "
            + "start each member with ./tally server --id ID --data-dir DIR --raft ... --http ... --cluster-id NAME. The "
            + "directory must be empty or absent. Exit 1 if the backup is damaged."})
    static final class Restore implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "FILE", description = "the backup")
        Path file;

        @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "the member's new data directory")
        Path dataDir;

        @Option(names = "--id", required = true, paramLabel = "ID", description = "the member's id")
        String id;

        @Option(names = "--cluster", required = true, paramLabel = "LIST", description = "every member of the new cluster as "
                + "ID=RAFT_HOST:PORT/HTTP_HOST:PORT, comma-separated, as ./tally server --cluster takes it")
        String cluster;

        @Option(names = "--cluster-id", paramLabel = "NAME", description = "the new cluster's name (default: restored-<the "
                + "first 12 hex digits of the backup's SHA-256>, the same on every member); its nodes must be started with it")
        String clusterId;

        @Mixin
        Output output;

        Restore(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() throws IOException {
            if (!id.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw CliFailure.usage("--id '" + id + "' must be 1-64 letters, digits, '-', '_' or '.'");
            }
            Map<String, ClusterFlag.Addresses> members;
            try {
                members = ClusterFlag.parse(cluster);
            } catch (UsageException e) {
                throw CliFailure.usage(e.getMessage());
            }
            BackupRestore.Result r;
            try {
                r = BackupRestore.restore(file, dataDir, id, members, clusterId);
            } catch (DataDirectoryToolException e) {
                boolean damaged = e.getCause() instanceof IOException;
                throw new CliFailure(damaged ? ExitCode.FAILED : ExitCode.USAGE, e.getMessage());
            }
            String name = r.clusterId();
            ClusterFlag.Addresses self = members.get(id);
            String start = "./tally server --id " + id + " --data-dir " + dataDir + " --raft " + self.raft() + " --http "
                    + self.http() + " --cluster-id " + name;
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dataDir", dataDir.toString());
            doc.put("id", id);
            doc.put("revision", r.revision());
            doc.put("keys", r.keys());
            doc.put("clusterId", name);
            doc.put("members", r.configuration().members().stream().map(Member::id).toList());
            doc.put("start", start);
            switch (output.format) {
                case json -> Output.json(console, doc);
                case table -> Output.table(console, List.of("DATA-DIR", "ID", "REVISION", "KEYS", "CLUSTER-ID"),
                        List.of(List.of(dataDir.toString(), id, Long.toString(r.revision()), Integer.toString(r.keys()), name)));
                default -> {
                    console.out().println("restored revision " + r.revision() + " (" + r.keys() + " keys) into " + dataDir
                            + " as member " + id + " of cluster '" + name + "' ("
                            + String.join(", ", r.configuration().members().stream().map(Member::id).toList()) + ")");
                    console.out().println("start it with: " + start);
                }
            }
            return ExitCode.OK;
        }
    }
}
