package io.tally.server.cli;

import io.tally.client.AuthUser;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally user add|delete|passwd|grant-role|revoke-role|list} over {@code /v1/auth/users} (docs/security.md). */
@Command(name = "user", mixinStandardHelpOptions = true, description = {"Administer the users of the access model: "
        + "add, delete, passwd, grant-role, revoke-role, list. While authentication is on, only a user with the root role "
        + "may (a user may change its own password).",
        "Exit 1 when the cluster refuses the change (the user exists or does not, the role does not exist, root would lose "
                + "the root role), 4 when the credentials are wrong or the user may not."},
        subcommands = {UserCommand.Add.class, UserCommand.Delete.class, UserCommand.Passwd.class, UserCommand.GrantRole.class,
            UserCommand.RevokeRole.class, UserCommand.ListUsers.class})
final class UserCommand implements Callable<Integer> {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final Console console;

    @Spec
    CommandSpec spec;

    UserCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(console.err());
        return ExitCode.USAGE;
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Add a user with no roles (a user named root gets "
            + "the root role). The password: --password P, --password - (the first line of standard input), or asked "
            + "for twice on the terminal."})
    static final class Add implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "NAME", description = "the user's name")
        String name;

        @Option(names = "--password", paramLabel = "P", description = "the password; - reads it from standard input")
        String password;

        @Mixin
        ClientOptions client;

        Add(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            String p = Passwords.of(password, console, "password of new user " + name);
            try (TallyClient c = client.connect(TIMEOUT)) {
                c.auth().addUser(name, p);
            }
            console.out().println("user " + name + " added");
            return ExitCode.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a user; its tokens are void at once."})
    static final class Delete implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        ClientOptions client;

        Delete(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            try (TallyClient c = client.connect(TIMEOUT)) {
                c.auth().deleteUser(name);
            }
            console.out().println("user " + name + " deleted");
            return ExitCode.OK;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = {"Set a user's password; its tokens are void "
            + "at once. The new password: --password P, --password - (standard input), or asked for twice on the terminal."})
    static final class Passwd implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--password", paramLabel = "P", description = "the new password; - reads it from standard input")
        String password;

        @Mixin
        ClientOptions client;

        Passwd(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            String p = Passwords.of(password, console, "new password of " + name);
            try (TallyClient c = client.connect(TIMEOUT)) {
                c.auth().changePassword(name, p);
            }
            console.out().println("password of " + name + " changed");
            return ExitCode.OK;
        }
    }

    @Command(name = "grant-role", mixinStandardHelpOptions = true, description = {"Give a user a role."})
    static final class GrantRole implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "USER")
        String user;

        @Parameters(index = "1", paramLabel = "ROLE")
        String role;

        @Mixin
        ClientOptions client;

        GrantRole(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            try (TallyClient c = client.connect(TIMEOUT)) {
                c.auth().grantRole(user, role);
            }
            console.out().println("role " + role + " granted to user " + user);
            return ExitCode.OK;
        }
    }

    @Command(name = "revoke-role", mixinStandardHelpOptions = true, description = {"Take a role from a user."})
    static final class RevokeRole implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "USER")
        String user;

        @Parameters(index = "1", paramLabel = "ROLE")
        String role;

        @Mixin
        ClientOptions client;

        RevokeRole(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            try (TallyClient c = client.connect(TIMEOUT)) {
                c.auth().revokeRole(user, role);
            }
            console.out().println("role " + role + " revoked from user " + user);
            return ExitCode.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"List the users and their roles (root only).",
            "simple: NAME<TAB>ROLE,ROLE lines; json: {\"users\": [{\"name\", \"roles\"}]}; table: NAME ROLES."})
    static final class ListUsers implements Callable<Integer> {
        private final Console console;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        ListUsers(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            List<AuthUser> users;
            try (TallyClient c = client.connect(TIMEOUT)) {
                users = c.auth().users();
            }
            switch (output.format) {
                case json -> {
                    List<Map<String, Object>> out = new ArrayList<>();
                    for (AuthUser u : users) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("name", u.name());
                        m.put("roles", u.roles());
                        out.add(m);
                    }
                    Output.json(console, Map.of("users", out));
                }
                case table -> Output.table(console, List.of("NAME", "ROLES"),
                        users.stream().map(u -> List.of(u.name(), String.join(",", u.roles()))).toList());
                default -> {
                    users.forEach(u -> console.out().println(u.name() + "\t" + String.join(",", u.roles())));
                    console.out().flush();
                }
            }
            return ExitCode.OK;
        }
    }
}
