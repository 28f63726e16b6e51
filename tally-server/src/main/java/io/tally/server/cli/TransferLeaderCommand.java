package io.tally.server.cli;

import io.tally.client.LeaderInfo;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally transfer-leader [ID]} (docs/operations.md). */
@Command(name = "transfer-leader", mixinStandardHelpOptions = true, description = {"Move leadership to ID, or to the most "
        + "up-to-date voter.", "simple: OK leader is ID (HTTP); json: {\"leader\", \"http\"}. Exit 1 if the transfer was "
        + "refused or aborted."})
final class TransferLeaderCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "the new leader (default: the most up-to-date voter)")
    String id;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    TransferLeaderCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        Duration timeout = client.timeout(Duration.ofSeconds(60));
        try (TallyClient c = client.connect(timeout)) {
            LeaderInfo r = c.transferLeader(id, timeout);
            switch (output.format) {
                case json -> {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("leader", r.id());
                    doc.put("http", r.http().orElse(null));
                    Output.json(console, doc);
                }
                case table -> Output.table(console, List.of("LEADER", "HTTP"), List.of(List.of(r.id(), r.http().orElse("-"))));
                default -> console.out().println("OK leader is " + r.id() + r.http().map(h -> " (" + h + ")").orElse(""));
            }
            return ExitCode.OK;
        }
    }
}
