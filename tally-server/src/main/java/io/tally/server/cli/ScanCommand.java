package io.tally.server.cli;

import io.tally.client.Count;
import io.tally.client.KeyValue;
import io.tally.client.Page;
import io.tally.client.Range;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./tally scan PREFIX [--after K] [--limit N] [--keys-only] [--count]}: the keys under a prefix in key order,
 * read a page at a time (each page at one revision).
 */
@Command(name = "scan", mixinStandardHelpOptions = true, description = {"List the keys under a prefix, in key order.",
        "simple: KEY<TAB>VALUE lines (KEY lines with --keys-only, the number with --count); json: {\"items\": [...], "
                + "\"more\", \"revision\"} (values in base64) or {\"count\", \"revision\"}; table: KEY VERSION CREATED LEASE "
                + "VALUE. With --limit, more keys after the last printed say so on standard error (simple, table) or in "
                + "\"more\" (json): continue with --after the last key."})
final class ScanCommand implements Callable<Integer> {

    private static final int PAGE = 1000;

    private final Console console;

    @Parameters(index = "0", arity = "0..1", defaultValue = "", paramLabel = "PREFIX", description = "the prefix (default: every key)")
    String prefix;

    @Option(names = "--after", paramLabel = "KEY", description = "only keys after KEY (the last key of a previous page)")
    String after;

    @Option(names = "--limit", paramLabel = "N", description = "at most N keys (default: all)")
    Long limit;

    @Option(names = "--keys-only", description = "keys without their values")
    boolean keysOnly;

    @Option(names = "--count", description = "only count the keys")
    boolean count;

    @Mixin
    ConsistencyOption consistency;

    @Mixin
    ClientOptions client;

    @Mixin
    Output output;

    ScanCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        if (limit != null && limit < 1) {
            throw CliFailure.usage("--limit must be at least 1, not " + limit);
        }
        if (count && (after != null || limit != null || keysOnly)) {
            throw CliFailure.usage("--count takes no --after, --limit or --keys-only");
        }
        Duration timeout = client.timeout(Duration.ofSeconds(5));
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            if (count) {
                Count n = c.countAsync(prefix, consistency.consistency, timeout).join();
                switch (output.format) {
                    case json -> Output.json(console, Map.of("count", n.count(), "revision", n.revision()));
                    case table -> Output.table(console, List.of("COUNT", "REVISION"),
                            List.of(List.of(Long.toString(n.count()), Long.toString(n.revision()))));
                    default -> console.out().println(n.count());
                }
                return ExitCode.OK;
            }
            List<KeyValue> items = new ArrayList<>();
            long wanted = limit == null ? Long.MAX_VALUE : limit;
            long fetched = 0;
            String from = after;
            Page page;
            do {
                Range r = Range.prefix(prefix).limit((int) Math.min(PAGE, wanted - fetched))
                        .consistency(consistency.consistency).timeout(timeout);
                if (from != null) {
                    r = r.after(from);
                }
                if (keysOnly) {
                    r = r.keysOnly();
                }
                page = c.range(r);
                fetched += page.items().size();
                items.addAll(page.items());
                from = page.lastKey().orElse(from);
                if (output.format == Output.Format.simple) {
                    printSimple(page.items()); // as the pages come: a large scan needs not fit in memory twice
                    items.clear();
                }
            } while (page.more() && fetched < wanted);
            boolean more = page.more();
            switch (output.format) {
                case json -> {
                    List<Map<String, Object>> docs = new ArrayList<>();
                    for (KeyValue kv : items) {
                        docs.add(Documents.item(kv, !keysOnly));
                    }
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("items", docs);
                    doc.put("more", more);
                    doc.put("revision", page.revision());
                    Output.json(console, doc);
                }
                case table -> {
                    List<List<String>> rows = new ArrayList<>();
                    for (KeyValue kv : items) {
                        rows.add(List.of(kv.key(), Long.toString(kv.version()), Long.toString(kv.created()),
                                kv.hasLease() ? Long.toString(kv.lease()) : "-", keysOnly ? "" : Output.oneLine(kv.value())));
                    }
                    Output.table(console, List.of("KEY", "VERSION", "CREATED", "LEASE", "VALUE"), rows);
                }
                default -> console.out().flush();
            }
            if (more && output.format != Output.Format.json) {
                console.err().println("tally scan: more keys follow; continue with --after '" + from + "'");
            }
            return ExitCode.OK;
        }
    }

    private void printSimple(List<KeyValue> items) {
        for (KeyValue kv : items) {
            console.out().println(keysOnly ? kv.key() : kv.key() + "\t" + Output.oneLine(kv.value()));
        }
    }
}
