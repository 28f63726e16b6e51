package io.tally.server.cli;

import io.tally.client.TallyClient;
import io.tally.client.Watch;
import io.tally.client.WatchEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./tally watch KEY | --prefix P [--from R]}: one line per event until interrupted, resuming on another node
 * (from the revision after the last one printed whole) whenever the serving node fails.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, description = {"Print every change of a key, or of the keys "
        + "under a prefix, one line per event, until interrupted (Ctrl-C) or --max-events.",
        "simple: REVISION put KEY VALUE or REVISION delete KEY (the value on one line: line breaks, tabs and control "
                + "characters escaped as \\n, \\t, \\xNN, a backslash as \\\\); json: one {\"revision\", \"type\", \"key\", "
                + "\"value\" (base64), \"version\", \"lease\"?} per line; table: REVISION TYPE VERSION KEY VALUE.",
        "The watch resumes on another node when the serving one fails: every event exactly once, in revision order. Exit 1 "
                + "if --from is older than the history the cluster keeps (410 compacted); with --timeout, exit 3 when no "
                + "node serves the watch for that long."})
final class WatchCommand implements Callable<Integer> {

    /** Events come one by one: fixed columns, the key and value last. */
    private static final String TABLE_ROW = "%-10s  %-6s  %-10s  %s  %s";

    private final Console console;

    @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", description = "the key (or --prefix)")
    String key;

    @Option(names = "--prefix", paramLabel = "P", description = "every key that starts with P (empty: every key)")
    String prefix;

    @Option(names = "--from", paramLabel = "REVISION", description = "start at REVISION (default: the current revision + 1)")
    Long from;

    @Option(names = "--max-events", paramLabel = "N", description = "exit 0 after N events")
    Long maxEvents;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    WatchCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() throws InterruptedException {
        if ((key == null) == (prefix == null)) {
            throw CliFailure.usage("give exactly one of KEY and --prefix P");
        }
        if (from != null && from < 1) {
            throw CliFailure.usage("--from is a revision (>= 1), not " + from);
        }
        if (maxEvents != null && maxEvents < 1) {
            throw CliFailure.usage("--max-events must be at least 1, not " + maxEvents);
        }
        Watch w;
        try {
            w = key != null ? Watch.key(key) : Watch.prefix(prefix);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(e.getMessage());
        }
        if (from != null) {
            w = w.from(from);
        }
        if (client.timeout != null) {
            w = w.giveUpAfter(client.timeout);
        }
        if (output.is(Output.Format.table)) {
            console.out().println(String.format(TABLE_ROW, "REVISION", "TYPE", "VERSION", "KEY", "VALUE").stripTrailing());
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            c.watch(w.executor(Runnable::run)).subscribe(new Printer(done));
            try {
                done.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            return ExitCode.OK;
        }
    }

    /** Prints each event as it comes, one at a time; ends {@code done} after --max-events or with the watch's error. */
    private final class Printer implements Flow.Subscriber<WatchEvent> {
        private final CompletableFuture<Void> done;
        private final AtomicLong seen = new AtomicLong();
        private Flow.Subscription subscription;

        Printer(CompletableFuture<Void> done) {
            this.done = done;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(WatchEvent e) {
            print(e);
            if (maxEvents != null && seen.incrementAndGet() >= maxEvents) {
                subscription.cancel();
                done.complete(null);
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }

    private void print(WatchEvent e) {
        boolean put = e.type() == WatchEvent.Type.PUT;
        switch (output.format) {
            case json -> Output.json(console, Documents.event(e));
            case table -> console.out().println(String.format(TABLE_ROW, e.revision(), put ? "put" : "delete", e.version(),
                    e.key(), put ? Output.oneLine(e.value()) : "").stripTrailing());
            default -> console.out().println(e.revision() + " " + (put ? "put " : "delete ") + e.key()
                    + (put ? " " + Output.oneLine(e.value()) : ""));
        }
        console.out().flush();
    }
}
