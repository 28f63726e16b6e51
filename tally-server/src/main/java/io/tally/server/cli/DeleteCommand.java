package io.tally.server.cli;

import io.tally.client.RangeDeleted;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally delete KEY [--cas VERSION]}, {@code ./tally delete --prefix P}, {@code ./tally delete --all}. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a key (exit 1 if it does not exist), or "
        + "every key under a prefix at one revision.",
        "simple: OK deleted, or OK deleted N keys at revision R; json: {\"key\", \"deleted\"} or {\"prefix\", \"deleted\", "
                + "\"revision\"}."})
final class DeleteCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", description = "the key (not with --prefix or --all)")
    String key;

    @Option(names = "--prefix", paramLabel = "P", description = "delete every key that starts with P (not empty: that is --all)")
    String prefix;

    @Option(names = "--all", description = "delete every key")
    boolean all;

    @Option(names = "--cas", paramLabel = "VERSION", description = "with KEY: only if its version is VERSION; exit 1 if it is not")
    Long cas;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    DeleteCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        int given = (key != null ? 1 : 0) + (prefix != null ? 1 : 0) + (all ? 1 : 0);
        if (given != 1) {
            throw CliFailure.usage("give exactly one of KEY, --prefix P and --all");
        }
        if (cas != null && key == null) {
            throw CliFailure.usage("--cas goes with KEY only");
        }
        if (cas != null && cas < 0) {
            throw CliFailure.usage("--cas is a version (>= 0), not " + cas);
        }
        if (prefix != null && prefix.isEmpty()) {
            throw CliFailure.usage("an empty --prefix deletes every key: say --all");
        }
        Duration timeout = client.timeout(Duration.ofSeconds(5));
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            if (key != null) {
                boolean deleted = c.delete(key, cas == null ? -1 : cas, timeout);
                if (!deleted) {
                    console.err().println("tally delete: key '" + key + "' not found");
                    return ExitCode.FAILED;
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("key", key);
                doc.put("deleted", true);
                print(doc, List.of("KEY", "DELETED"), List.of(key, "true"), "OK deleted");
                return ExitCode.OK;
            }
            RangeDeleted r = all ? c.deleteAll() : c.deletePrefix(prefix);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("prefix", all ? "" : prefix);
            doc.put("deleted", r.deleted());
            doc.put("revision", r.revision());
            print(doc, List.of("PREFIX", "DELETED", "REVISION"),
                    List.of(all ? "" : prefix, Long.toString(r.deleted()), Long.toString(r.revision())),
                    "OK deleted " + r.deleted() + " key" + (r.deleted() == 1 ? "" : "s") + " at revision " + r.revision());
            return ExitCode.OK;
        }
    }

    private void print(Map<String, Object> doc, List<String> header, List<String> row, String simple) {
        switch (output.format) {
            case json -> Output.json(console, doc);
            case table -> Output.table(console, header, List.of(row));
            default -> console.out().println(simple);
        }
    }
}
