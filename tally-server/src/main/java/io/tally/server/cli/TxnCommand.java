package io.tally.server.cli;

import io.tally.client.OpResult;
import io.tally.client.TallyClient;
import io.tally.client.Txn;
import io.tally.client.TxnResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./tally txn [-|@FILE]}: a transaction, as the {@code POST /v1/txn} body, run exactly once. */
@Command(name = "txn", mixinStandardHelpOptions = true, description = {"Run a transaction: if every comparison holds the "
        + "success operations run, else the failure ones, all at one revision. Exit 0 if the comparisons held, 1 if not.",
        "The transaction is the JSON body of POST /v1/txn (docs/http-api.md), read from standard input or @FILE:",
        "  {\"compare\": [{\"key\": \"a\", \"version\": 3}, {\"key\": \"b\", \"value\": \"<base64>\"}, {\"key\": \"c\", "
                + "\"exists\": false}],",
        "   \"success\": [{\"op\": \"put\", \"key\": \"a\", \"value\": \"<base64>\", \"lease\": \"ID\"}, {\"op\": \"get\", "
                + "\"key\": \"b\"}],",
        "   \"failure\": [{\"op\": \"delete\", \"key\": \"a\"}, {\"op\": \"delete-prefix\", \"prefix\": \"tmp/\"}]}",
        "simple: SUCCESS or FAILURE, then a line per result (put KEY version N; get KEY VALUE or get KEY (absent); "
                + "delete KEY true|false; delete-prefix P N); json: {\"succeeded\", \"revision\", \"results\"} as the API "
                + "answers; table: OP KEY RESULT."})
final class TxnCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", arity = "0..1", defaultValue = "-", paramLabel = "-|@FILE",
            description = "where the transaction is: - for standard input (the default), or @FILE")
    String source;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    TxnCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        if (!source.equals("-") && !source.startsWith("@")) {
            throw CliFailure.usage("the transaction comes from - (standard input) or @FILE, not '" + source + "'");
        }
        Txn txn;
        try {
            txn = Txn.fromJson(Values.read(source, false, console));
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("malformed transaction: " + e.getMessage());
        }
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            TxnResult r = c.txn(txn);
            switch (output.format) {
                case json -> Output.json(console, Documents.txn(r));
                case table -> {
                    List<List<String>> rows = new ArrayList<>();
                    for (OpResult o : r.results()) {
                        rows.add(row(o));
                    }
                    console.out().println((r.succeeded() ? "SUCCESS" : "FAILURE") + " at revision " + r.revision());
                    Output.table(console, List.of("OP", "KEY", "RESULT"), rows);
                }
                default -> {
                    console.out().println(r.succeeded() ? "SUCCESS" : "FAILURE");
                    for (OpResult o : r.results()) {
                        List<String> row = row(o);
                        console.out().println(String.join(" ", row));
                    }
                }
            }
            console.out().flush();
            return r.succeeded() ? ExitCode.OK : ExitCode.FAILED;
        }
    }

    private static List<String> row(OpResult o) {
        if (o instanceof OpResult.Put p) {
            return List.of("put", p.key(), "version " + p.version());
        }
        if (o instanceof OpResult.Get g) {
            return List.of("get", g.key(), g.value().map(kv -> Output.oneLine(kv.value())).orElse("(absent)"));
        }
        if (o instanceof OpResult.Delete d) {
            return List.of("delete", d.key(), Boolean.toString(d.deleted()));
        }
        OpResult.DeletePrefix d = (OpResult.DeletePrefix) o;
        return List.of("delete-prefix", d.prefix(), Long.toString(d.deleted()));
    }
}
