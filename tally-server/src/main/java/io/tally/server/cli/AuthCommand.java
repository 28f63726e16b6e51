package io.tally.server.cli;

import io.tally.client.AuthStatus;
import io.tally.client.AuthToken;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally auth enable|disable|status|token} over {@code /v1/auth/...} (docs/security.md). */
@Command(name = "auth", mixinStandardHelpOptions = true, description = {"Turn authentication on and off, show whether it "
        + "is on, get a token.",
        "Exit 1 when the cluster refuses (enable without a root user; token while authentication is off), 4 when the "
                + "credentials are wrong or the user may not."},
        subcommands = {AuthCommand.Enable.class, AuthCommand.Disable.class, AuthCommand.Status.class, AuthCommand.Token.class})
final class AuthCommand implements Callable<Integer> {

    private final Console console;

    @Spec
    CommandSpec spec;

    AuthCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(console.err());
        return ExitCode.USAGE;
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = {"Turn authentication on; refused until a user "
            + "named root exists (./tally user add root). From then on every request needs credentials (--user, --token)."})
    static final class Enable implements Callable<Integer> {
        private final Console console;

        @Mixin
        ClientOptions client;

        Enable(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                c.auth().enable();
            }
            console.out().println("authentication enabled");
            return ExitCode.OK;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = {"Turn authentication off (root only); "
            + "every token issued before is void."})
    static final class Disable implements Callable<Integer> {
        private final Console console;

        @Mixin
        ClientOptions client;

        Disable(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                c.auth().disable();
            }
            console.out().println("authentication disabled");
            return ExitCode.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = {"Whether authentication is on and a root user "
            + "exists, as the node asked holds it (open to anyone).",
            "simple: authentication on|off, root user: yes|no; json: {\"enabled\", \"rootUser\", \"revision\"}; "
                    + "table: ENABLED ROOT-USER REVISION."})
    static final class Status implements Callable<Integer> {
        private final Console console;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        Status(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            AuthStatus s;
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                s = c.auth().status();
            }
            switch (output.format) {
                case json -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("enabled", s.enabled());
                    m.put("rootUser", s.rootUserExists());
                    m.put("revision", s.revision());
                    Output.json(console, m);
                }
                case table -> Output.table(console, List.of("ENABLED", "ROOT-USER", "REVISION"),
                        List.of(List.of(Boolean.toString(s.enabled()), Boolean.toString(s.rootUserExists()),
                                Long.toString(s.revision()))));
                default -> {
                    console.out().println("authentication " + (s.enabled() ? "on" : "off") + ", root user: "
                            + (s.rootUserExists() ? "yes" : "no"));
                    console.out().flush();
                }
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = {"Print a token for --user (env TALLY_USER), "
            + "for --token or TALLY_TOKEN in later commands; it expires (--auth-token-ttl on the nodes, 10 minutes by default).",
            "simple: the token; json: {\"token\", \"expires\"}; table: TOKEN EXPIRES."})
    static final class Token implements Callable<Integer> {
        private final Console console;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        Token(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            String[] np = client.userAndPassword();
            if (np == null) {
                throw CliFailure.usage("auth token needs --user NAME[:PASSWORD] (env TALLY_USER)");
            }
            if (client.token != null && !client.token.isEmpty()) {
                throw CliFailure.usage("auth token takes --user, not --token");
            }
            AuthToken t;
            try (TallyClient c = client.connectWithoutCredentials(UserCommand.TIMEOUT)) {
                t = c.auth().token(np[0], np[1]);
            }
            switch (output.format) {
                case json -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("token", t.token());
                    m.put("expires", t.expires().toString());
                    Output.json(console, m);
                }
                case table -> Output.table(console, List.of("TOKEN", "EXPIRES"), List.of(List.of(t.token(), t.expires().toString())));
                default -> {
                    console.out().println(t.token());
                    console.out().flush();
                }
            }
            return ExitCode.OK;
        }
    }
}
