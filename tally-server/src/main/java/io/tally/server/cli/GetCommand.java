package io.tally.server.cli;

import io.tally.client.KeyValue;
import io.tally.client.Lookup;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally get KEY}: the value, as it is (exit 1 if the key does not exist). */
@Command(name = "get", mixinStandardHelpOptions = true, description = {"Print a key's value (exit 1 if it does not exist).",
        "simple: the value as it is, then a line break; json: {\"key\", \"value\" (base64), \"version\", \"created\", "
                + "\"lease\"?, \"revision\"}; table: KEY VERSION CREATED LEASE VALUE."})
final class GetCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", paramLabel = "KEY", description = "the key")
    String key;

    @Option(names = "--wait-after", paramLabel = "REVISION", description = "a blocking query: answer once the key changes "
            + "after REVISION (or when --wait runs out)")
    Long waitAfter;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
            description = "with --wait-after: the longest wait, at most 10m (default ${DEFAULT-VALUE})")
    Duration wait;

    @Mixin
    ConsistencyOption consistency;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    GetCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() throws IOException {
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            Lookup l;
            if (waitAfter != null) {
                if (waitAfter < 0) {
                    throw CliFailure.usage("--wait-after is a revision (>= 0), not " + waitAfter);
                }
                l = c.awaitChange(key, waitAfter, wait);
            } else {
                l = c.lookup(key, consistency.consistency, client.timeout(Duration.ofSeconds(5)));
            }
            if (l.value().isEmpty()) {
                console.err().println("tally get: key '" + key + "' not found (revision " + l.revision() + ")");
                return ExitCode.FAILED;
            }
            KeyValue kv = l.value().get();
            switch (output.format) {
                case json -> {
                    Map<String, Object> doc = Documents.item(kv, true);
                    doc.put("revision", l.revision());
                    Output.json(console, doc);
                }
                case table -> Output.table(console, List.of("KEY", "VERSION", "CREATED", "LEASE", "VALUE"),
                        List.of(List.of(kv.key(), Long.toString(kv.version()), Long.toString(kv.created()),
                                kv.hasLease() ? Long.toString(kv.lease()) : "-", Output.oneLine(kv.value()))));
                default -> {
                    console.out().write(kv.value());
                    console.out().println();
                    console.out().flush();
                }
            }
            return ExitCode.OK;
        }
    }
}
