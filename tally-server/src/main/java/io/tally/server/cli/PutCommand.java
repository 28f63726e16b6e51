package io.tally.server.cli;

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

/** {@code ./tally put KEY VALUE [--cas VERSION] [--lease ID]}. */
@Command(name = "put", mixinStandardHelpOptions = true, description = {"Set a key's value (exactly once, even when retried).",
        "VALUE is the value itself, - for standard input, or @FILE for a file's bytes; put a value that starts with -- "
                + "after --, e.g. ./tally put k -- --x. simple: OK version N; json: {\"key\", \"version\"}."})
final class PutCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", paramLabel = "KEY", description = "the key")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "the value, - (standard input) or @FILE")
    String value;

    @Option(names = "--literal", description = "take VALUE as written, even - or @...")
    boolean literal;

    @Option(names = "--cas", paramLabel = "VERSION", description = "only if the key's version is VERSION (0: the key must "
            + "not exist); exit 1 if it is not")
    Long cas;

    @Option(names = "--lease", paramLabel = "ID", description = "attach the key to lease ID: it goes when the lease ends "
            + "(exit 1 if there is no such lease)")
    Long lease;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    PutCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        if (cas != null && cas < 0) {
            throw CliFailure.usage("--cas is a version (>= 0), not " + cas);
        }
        if (lease != null && lease < 1) {
            throw CliFailure.usage("--lease is a lease id (> 0), not " + lease);
        }
        byte[] bytes = Values.read(value, literal, console);
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            Duration timeout = client.timeout(Duration.ofSeconds(5));
            long version = c.put(key, bytes, cas == null ? -1 : cas, lease == null ? 0 : lease, timeout);
            switch (output.format) {
                case json -> {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("key", key);
                    doc.put("version", version);
                    Output.json(console, doc);
                }
                case table -> Output.table(console, List.of("KEY", "VERSION"), List.of(List.of(key, Long.toString(version))));
                default -> console.out().println("OK version " + version);
            }
            return ExitCode.OK;
        }
    }
}
