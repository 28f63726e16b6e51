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

/** {@code ./tally recover --data-dir DIR --id ID --force-new-cluster}: disaster recovery ({@link ForceNewCluster}). */
@Command(name = "recover", mixinStandardHelpOptions = true, description = {"After a majority of the voters is lost for "
        + "good: make one survivor's data directory a one-member cluster that keeps everything the survivor had "
        + "(offline: stop the node first). Then start it as before and add members back with ./tally server --join "
        + "(docs/operations.md, \"Disaster recovery\").",
        "The lost members must never come back with their old data: wipe them, or give the recovered cluster a new "
                + "--cluster-id (their handshakes then fail)."})
final class RecoverCommand implements Callable<Integer> {

    private final Console console;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "the survivor's data directory")
    Path dataDir;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "the id the survivor ran under")
    String id;

    @Option(names = "--force-new-cluster", required = true, description = "say that the other members are lost for good: "
            + "this cannot be undone")
    boolean force;

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
        if (!force) {
            throw CliFailure.usage("--force-new-cluster=false: nothing to do");
        }
        ForceNewCluster.Result r;
        try {
            r = ForceNewCluster.recover(dataDir, id, clusterId);
        } catch (DataDirectoryToolException e) {
            throw CliFailure.usage(e.getMessage());
        }
        String http = r.member().metadata().getOrDefault("http", "HOST:PORT");
        String start = "./tally server --id " + id + " --data-dir " + dataDir + " --raft " + r.member().address() + " --http "
                + http + (clusterId != null ? " --cluster-id " + clusterId : "");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("dataDir", dataDir.toString());
        doc.put("id", id);
        doc.put("snapshotIndex", r.snapshotIndex());
        doc.put("lastIndex", r.lastIndex());
        doc.put("configurationIndex", r.configurationIndex());
        doc.put("term", r.term());
        doc.put("removed", r.previous().members().stream().map(m -> m.id()).filter(m -> !m.equals(id)).toList());
        doc.put("clusterId", clusterId);
        doc.put("start", start);
        switch (output.format) {
            case json -> Output.json(console, doc);
            case table -> Output.table(console, List.of("DATA-DIR", "ID", "LAST-INDEX", "TERM", "REMOVED"),
                    List.of(List.of(dataDir.toString(), id, Long.toString(r.lastIndex()), Long.toString(r.term()),
                            String.join(",", (List<String>) doc.get("removed")))));
            default -> {
                console.out().println("recovered " + dataDir + ": " + id + " is now the only member (configuration at index "
                        + r.configurationIndex() + ", term " + r.term() + "); kept every entry up to index " + r.lastIndex()
                        + " (snapshot at " + r.snapshotIndex() + ", log after it)"
                        + "; removed " + doc.get("removed"));
                console.out().println("start it with: " + start);
                console.out().println("then add members back: ./tally server --id NEW --data-dir EMPTY_DIR ... --join " + http
                        + (clusterId != null ? " --cluster-id " + clusterId : ""));
            }
        }
        return ExitCode.OK;
    }
}
