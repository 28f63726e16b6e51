package io.tally.server.cli;

import io.tally.client.LeaseGrant;
import io.tally.client.LeaseNotFoundException;
import io.tally.client.LeaseRevoked;
import io.tally.client.LeaseStatus;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally lease grant TTL | keepalive ID | revoke ID | show ID}. */
@Command(name = "lease", mixinStandardHelpOptions = true, description = {"Grant, keep alive, revoke and show leases: keys "
        + "attached to a lease (./tally put KEY VALUE --lease ID) are deleted when it expires or is revoked.",
        "Exit 1 when the lease does not exist (never granted, expired or revoked)."},
        subcommands = {LeaseCommand.Grant.class, LeaseCommand.KeepAlive.class, LeaseCommand.Revoke.class, LeaseCommand.Show.class})
final class LeaseCommand implements Callable<Integer> {

    private final Console console;

    @Spec
    CommandSpec spec;

    LeaseCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(console.err());
        return ExitCode.USAGE;
    }

    static long id(String s) {
        try {
            long id = Long.parseLong(s);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw CliFailure.usage("'" + s + "' is not a lease id (a positive decimal, as ./tally lease grant printed it)");
    }

    @Command(name = "grant", mixinStandardHelpOptions = true, description = {"Grant a lease of TTL (the cluster raises a "
            + "TTL below its minimum of 2s). Nothing keeps it alive: see keepalive.",
            "simple: lease ID granted with TTL T; json: {\"id\", \"ttl\"}."})
    static final class Grant implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "TTL", converter = DurationConverter.class, description = "like 10s, 1m")
        Duration ttl;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        Grant(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
                LeaseGrant g = c.grantLease(ttl);
                String t = DurationConverter.format(g.ttl());
                switch (output.format) {
                    case json -> Output.json(console, Map.of("id", Long.toString(g.id()), "ttl", t));
                    case table -> Output.table(console, List.of("ID", "TTL"), List.of(List.of(Long.toString(g.id()), t)));
                    default -> console.out().println("lease " + g.id() + " granted with TTL " + t);
                }
                return ExitCode.OK;
            }
        }
    }

    @Command(name = "keepalive", mixinStandardHelpOptions = true, description = {"Keep a lease alive: renew it every third "
            + "of its TTL until interrupted, or once with --once. Exit 1 once it is gone.",
            "simple: lease ID kept alive, TTL T (each renewal); json: {\"id\", \"ttl\"} per renewal."})
    static final class KeepAlive implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "ID", description = "the lease")
        String id;

        @Option(names = "--once", description = "renew it once and exit")
        boolean once;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        KeepAlive(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() throws InterruptedException {
            long lease = id(id);
            Duration timeout = client.timeout(Duration.ofSeconds(5));
            try (TallyClient c = client.connect(timeout)) {
                while (true) {
                    long sent = System.nanoTime();
                    Duration ttl;
                    try {
                        ttl = c.keepAliveOnce(lease);
                    } catch (LeaseNotFoundException e) {
                        throw CliFailure.failed("lease " + lease + " is gone (expired or revoked)");
                    }
                    String t = DurationConverter.format(ttl);
                    switch (output.format) {
                        case json -> Output.json(console, Map.of("id", Long.toString(lease), "ttl", t));
                        case table -> Output.table(console, List.of("ID", "TTL"), List.of(List.of(Long.toString(lease), t)));
                        default -> console.out().println("lease " + lease + " kept alive, TTL " + t);
                    }
                    if (once) {
                        return ExitCode.OK;
                    }
                    long pause = ttl.toNanos() / 3 - (System.nanoTime() - sent);
                    if (pause > 0) {
                        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(pause); // the next renewal is due then
                    }
                }
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = {"Revoke a lease, deleting its keys at one revision.",
            "simple: lease ID revoked, N keys deleted; json: {\"id\", \"deleted\", \"revision\"}."})
    static final class Revoke implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "ID", description = "the lease")
        String id;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        Revoke(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            long lease = id(id);
            try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
                LeaseRevoked r = c.revokeLease(lease);
                switch (output.format) {
                    case json -> {
                        Map<String, Object> doc = new LinkedHashMap<>();
                        doc.put("id", Long.toString(lease));
                        doc.put("deleted", r.deletedKeys());
                        doc.put("revision", r.revision());
                        Output.json(console, doc);
                    }
                    case table -> Output.table(console, List.of("ID", "DELETED", "REVISION"),
                            List.of(List.of(Long.toString(lease), Long.toString(r.deletedKeys()), Long.toString(r.revision()))));
                    default -> console.out().println("lease " + lease + " revoked, " + r.deletedKeys() + " key"
                            + (r.deletedKeys() == 1 ? "" : "s") + " deleted");
                }
                return ExitCode.OK;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = {"Show a lease: its TTL, the time it has left "
            + "by the leader's clock, and its keys.",
            "simple: lease ID: TTL T, remaining R, N keys, then the keys; json: {\"id\", \"ttl\", \"remaining\", \"keys\"}; "
                    + "table: ID TTL REMAINING KEYS."})
    static final class Show implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "ID", description = "the lease")
        String id;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        Show(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            long lease = id(id);
            try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
                LeaseStatus s = c.leaseStatus(lease);
                switch (output.format) {
                    case json -> Output.json(console, Documents.lease(s));
                    case table -> Output.table(console, List.of("ID", "TTL", "REMAINING", "KEYS"),
                            List.of(List.of(Long.toString(s.id()), DurationConverter.format(s.ttl()),
                                    DurationConverter.format(s.remaining()), String.join(",", s.keys()))));
                    default -> {
                        console.out().println("lease " + s.id() + ": TTL " + DurationConverter.format(s.ttl()) + ", remaining "
                                + DurationConverter.format(s.remaining()) + ", " + s.keys().size() + " key"
                                + (s.keys().size() == 1 ? "" : "s"));
                        s.keys().forEach(console.out()::println);
                    }
                }
                return ExitCode.OK;
            }
        }
    }
}
