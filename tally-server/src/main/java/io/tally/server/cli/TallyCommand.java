package io.tally.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code ./tally}: the command tree, and its usage when no command is given (exit 2). */
@Command(name = "tally", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        synopsisHeading = "Usage: ", customSynopsis = "./tally COMMAND [ARGUMENTS]   (./tally COMMAND --help: its usage)",
        description = {"", "Tally: a replicated key/value store on Raft. Run a cluster (dev, server), talk to it (get, put, "
                + "delete, scan, watch, txn, lease, lock, status), change it (members, add-member, remove-member, "
                + "transfer-leader), back it up and restore it (snapshot), recover it (recover), secure it (user, role, auth), "
                + "measure it (bench)."},
        commandListHeading = "%nCommands:%n",
        subcommands = {DevCommand.class, GetCommand.class, PutCommand.class, DeleteCommand.class, ScanCommand.class,
            WatchCommand.class, TxnCommand.class, LeaseCommand.class, LockCommand.class, StatusCommand.class,
            MembersCommand.class, AddMemberCommand.class, RemoveMemberCommand.class, TransferLeaderCommand.class,
            SnapshotCommand.class, RecoverCommand.class, UserCommand.class, RoleCommand.class, AuthCommand.class,
            BenchCommand.class, CompletionCommand.class, HelpCommand.class},
        footerHeading = "%n",
        footer = {"The client commands take --endpoints HOST:PORT,... (env TALLY_ENDPOINTS; default "
                + ClientOptions.DEFAULT_ENDPOINTS + "; https://HOST:PORT for TLS), --timeout DURATION (env TALLY_TIMEOUT), "
                + "--cacert FILE, --cert FILE, --key FILE (TLS; env TALLY_CACERT, TALLY_CERT, TALLY_KEY), --user NAME[:PASSWORD] "
                + "or --token TOKEN (env TALLY_USER, TALLY_TOKEN) and, when they print data, -o simple|json|table (env TALLY_OUTPUT). A VALUE may be - (standard input) or @FILE (a file's bytes); "
                + "-- ends the options, so that a value may start with --.",
            "",
            "Exit codes: 0 success; 1 a check failed (key absent, compare-and-set or transaction comparison failed, "
                + "cluster change refused, lease not found, watch revision compacted, backup damaged); 2 usage error; "
                + "3 cluster unavailable, a write's outcome unknown, a lock's lease lost, or a TLS handshake failed; "
                + "4 not authenticated (401) or not permitted (403).",
            "",
            "./tally bench compare: Tally beside etcd, SOFAJRaft and Ratis (./tally bench compare --help)."})
final class TallyCommand implements Callable<Integer> {

    private final Console console;

    @Spec
    CommandSpec spec;

    TallyCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(console.err());
        return ExitCode.USAGE;
    }
}
