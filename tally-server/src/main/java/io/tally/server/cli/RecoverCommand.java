package io.tally.server.cli;

import io.tally.server.datadir.DataDirectoryToolException;
import io.tally.server.datadir.ForceNewCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./tally recover --data-dir DIR --id ID --force-new-cluster}: disaster recovery ({@link ForceNewCluster});
 * {@code --dry-run} only describes the directory (to pick the most up-to-date survivor) and writes nothing.
 */
@Command(name = "recover", mixinStandardHelpOptions = true, description = {"After a majority of the voters is lost for "
        + "good: make one survivor's data directory a one-member cluster that keeps everything the survivor had "
        + "(offline: stop the node first). Then start it as before and add members back with ./tally server --join "
        + "(docs/operations.md, \"Disaster recovery\").",
        "Pick the survivor with the highest last log term, then the highest last log index: --dry-run shows them "
                + "without writing anything.",
        "The lost members must never come back with their old data (two of them would still be a majority of the "
                + "old configuration and could elect a leader of their own): wipe their directories. A new --cluster-id "
                + "also makes the recovered cluster refuse their handshakes.",
        "Exit codes: 0 done, 2 refused (not a data directory, in use, not a member, entries missing); nothing is "
                + "changed when refused."})
final class RecoverCommand implements Callable<Integer> {

    private final Console console;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "the survivor's data directory")
    Path dataDir;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "the id the survivor ran under")
    String id;

    @Option(names = "--force-new-cluster", description = "say that the other members are lost for good: this cannot be "
            + "undone")
    boolean force;

    @Option(names = "--dry-run", description = "only check the directory and show its last log index and term and what "
            + "a recovery would do; write nothing")
    boolean dryRun;

    @Option(names = "--cluster-id", paramLabel = "NAME", description = "a new name for the recovered cluster, recorded in "
            + "the directory (the node and the members that join must then use it); default: keep the name")
    String clusterId;

    @Mixin
    Output output;

    RecoverCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() throws IOException {
        if (force == dryRun) {
            throw CliFailure.usage(force ? "--force-new-cluster and --dry-run: give one of them"
                    : "give --force-new-cluster to recover (it cannot be undone), or --dry-run to only look");
        }
        ForceNewCluster.Result r;
        try {
            r = ForceNewCluster.recover(dataDir, id, clusterId, !dryRun);
        } catch (DataDirectoryToolException e) {
            throw CliFailure.usage(e.getMessage());
        }
        String http = r.member().metadata().getOrDefault("http", "HOST:PORT");
        String start = "./tally server --id " + id + " --data-dir " + dataDir + " --raft " + r.member().address() + " --http "
                + http + (clusterId != null ? " --cluster-id " + clusterId : "");
        List<String> removed = r.previous().members().stream().map(m -> m.id()).filter(m -> !m.equals(id)).toList();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("dataDir", dataDir.toString());
        doc.put("id", id);
        doc.put("written", r.written());
        doc.put("snapshotIndex", r.snapshotIndex());
        doc.put("lastIndex", r.lastIndex());
        doc.put("lastTerm", r.lastTerm());
        doc.put("configurationIndex", r.configurationIndex());
        doc.put("term", r.term());
        doc.put("removed", removed);
        doc.put("clusterId", clusterId);
        doc.put("start", start);
        switch (output.format) {
            case json -> Output.json(console, doc);
            case table -> Output.table(console, List.of("DATA-DIR", "ID", "WRITTEN", "LAST-INDEX", "LAST-TERM", "TERM", "REMOVED"),
                    List.of(List.of(dataDir.toString(), id, Boolean.toString(r.written()), Long.toString(r.lastIndex()),
                            Long.toString(r.lastTerm()), Long.toString(r.term()), String.join(",", removed))));
            default -> {
                if (!r.written()) {
                    console.out().println(dataDir + " (" + id + "): last log index " + r.lastIndex() + ", last log term "
                            + r.lastTerm() + " (snapshot at " + r.snapshotIndex() + "); members " + r.previous().members()
                            .stream().map(m -> m.id()).toList());
                    console.out().println("--force-new-cluster would make " + id + " the only member (configuration at index "
                            + r.configurationIndex() + ", term " + r.term() + ") and remove " + removed + "; nothing was "
                            + "written");
                    return ExitCode.OK;
                }
                console.out().println("recovered " + dataDir + ": " + id + " is now the only member (configuration at index "
                        + r.configurationIndex() + ", term " + r.term() + "); kept every entry up to index " + r.lastIndex()
                        + " (snapshot at " + r.snapshotIndex() + ", log after it); removed " + removed);
                console.out().println("start it with: " + start);
                console.out().println("then add members back: ./tally server --id NEW --data-dir EMPTY_DIR ... --join " + http
                        + (clusterId != null ? " --cluster-id " + clusterId : ""));
                console.out().println("wipe the data directories of " + removed + " before any of them runs again");
            }
        }
        return ExitCode.OK;
    }
}
