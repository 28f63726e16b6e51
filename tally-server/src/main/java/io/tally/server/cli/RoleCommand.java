package io.tally.server.cli;

import io.tally.client.AuthRole;
import io.tally.client.TallyClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./tally role add|delete|grant|revoke|list} over {@code /v1/auth/roles} (docs/security.md). */
@Command(name = "role", mixinStandardHelpOptions = true, description = {"Administer the roles of the access model: add, "
        + "delete, grant and revoke read/write permissions on key prefixes, list. The root role is built in and holds "
        + "every permission. While authentication is on, only a user with the root role may.",
        "Exit 1 when the cluster refuses the change (the role exists or does not), 4 when the credentials are wrong or the "
                + "user may not."},
        subcommands = {RoleCommand.Add.class, RoleCommand.Delete.class, RoleCommand.Grant.class, RoleCommand.Revoke.class,
            RoleCommand.ListRoles.class})
final class RoleCommand implements Callable<Integer> {

    private final Console console;

    @Spec
    CommandSpec spec;

    RoleCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(console.err());
        return ExitCode.USAGE;
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Add a role with no permissions."})
    static final class Add implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        ClientOptions client;

        Add(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                c.auth().addRole(name);
            }
            console.out().println("role " + name + " added");
            return ExitCode.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a role; users lose it."})
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
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                c.auth().deleteRole(name);
            }
            console.out().println("role " + name + " deleted");
            return ExitCode.OK;
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true, description = {"Grant a role read and/or write on every key "
            + "under a prefix (--prefix '' is every key). A range read, watch or range delete needs the permission on its "
            + "whole prefix."})
    static final class Grant implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--prefix", paramLabel = "P", required = true, description = "the key prefix")
        String prefix;

        @Option(names = "--read", description = "grant reading (gets, ranges, watches)")
        boolean read;

        @Option(names = "--write", description = "grant writing (puts, deletes)")
        boolean write;

        @Mixin
        ClientOptions client;

        Grant(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            if (!read && !write) {
                throw CliFailure.usage("say what to grant: --read, --write or both");
            }
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                c.auth().grantPermission(name, prefix, read, write);
            }
            console.out().println("role " + name + " may " + what(read, write) + " keys under '" + prefix + "'");
            return ExitCode.OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = {"Revoke a role's read and/or write on a "
            + "prefix (neither flag: both)."})
    static final class Revoke implements Callable<Integer> {
        private final Console console;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--prefix", paramLabel = "P", required = true, description = "the key prefix, as granted")
        String prefix;

        @Option(names = "--read", description = "revoke reading")
        boolean read;

        @Option(names = "--write", description = "revoke writing")
        boolean write;

        @Mixin
        ClientOptions client;

        Revoke(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            boolean both = !read && !write;
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                c.auth().revokePermission(name, prefix, read, write);
            }
            console.out().println("role " + name + " may no longer " + what(read || both, write || both)
                    + " keys under '" + prefix + "'");
            return ExitCode.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"List the roles and their permissions (root only).",
            "simple: NAME<TAB>PREFIX<TAB>read|write|readwrite lines (NAME alone for a role with none); json: "
                    + "{\"roles\": [{\"name\", \"permissions\": [{\"prefix\", \"read\", \"write\"}]}]}; table: ROLE PREFIX READ WRITE."})
    static final class ListRoles implements Callable<Integer> {
        private final Console console;

        @Mixin
        ClientOptions client;

        @Mixin
        Output output;

        ListRoles(Console console) {
            this.console = console;
        }

        @Override
        public Integer call() {
            List<AuthRole> roles;
            try (TallyClient c = client.connect(UserCommand.TIMEOUT)) {
                roles = c.auth().roles();
            }
            switch (output.format) {
                case json -> {
                    List<Map<String, Object>> out = new ArrayList<>();
                    for (AuthRole r : roles) {
                        List<Map<String, Object>> perms = new ArrayList<>();
                        for (AuthRole.Permission p : r.permissions()) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("prefix", p.prefix());
                            m.put("read", p.read());
                            m.put("write", p.write());
                            perms.add(m);
                        }
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("name", r.name());
                        m.put("permissions", perms);
                        out.add(m);
                    }
                    Output.json(console, Map.of("roles", out));
                }
                case table -> {
                    List<List<String>> rows = new ArrayList<>();
                    for (AuthRole r : roles) {
                        if (r.permissions().isEmpty()) {
                            rows.add(List.of(r.name(), "-", "-", "-"));
                        }
                        for (AuthRole.Permission p : r.permissions()) {
                            rows.add(List.of(r.name(), "'" + p.prefix() + "'", yes(p.read()), yes(p.write())));
                        }
                    }
                    Output.table(console, List.of("ROLE", "PREFIX", "READ", "WRITE"), rows);
                }
                default -> {
                    for (AuthRole r : roles) {
                        if (r.permissions().isEmpty()) {
                            console.out().println(r.name());
                        }
                        for (AuthRole.Permission p : r.permissions()) {
                            console.out().println(r.name() + "\t" + p.prefix() + "\t"
                                    + (p.read() && p.write() ? "readwrite" : p.read() ? "read" : "write"));
                        }
                    }
                    console.out().flush();
                }
            }
            return ExitCode.OK;
        }

        private static String yes(boolean b) {
            return b ? "yes" : "no";
        }
    }

    static String what(boolean read, boolean write) {
        return read && write ? "read and write" : read ? "read" : "write";
    }
}
