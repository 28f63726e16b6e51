package io.tally.server.cli;

import io.tally.client.AuthenticationException;
import io.tally.client.CasFailedException;
import io.tally.client.ClusterUnavailableException;
import io.tally.client.LeaseNotFoundException;
import io.tally.client.OutcomeUnknownException;
import io.tally.client.PermissionDeniedException;
import io.tally.client.TallyException;
import io.tally.client.TlsHandshakeException;
import io.tally.client.WatchCompactedException;
import io.tally.server.ServerFlags;
import io.tally.server.ServerMain;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.Arrays;

/**
 * The {@code ./tally} command (docs/http-api.md, "The CLI"): {@code server} and {@code dev} run nodes; the client commands talk to a
 * cluster through {@link io.tally.client.TallyClient}; {@code snapshot restore} and {@code recover} write data
 * directories offline; {@code completion} prints a shell completion script. picocli parses every command line:
 * {@code --help} on every command, {@code --version}, {@code --} ends the options, no {@code @}-files (an {@code @FILE}
 * argument is a value's file, {@link Values}). Exit codes: {@link ExitCode}.
 */
public final class Tally {

    private Tally() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("server")) {
            // The node process parses its own flags (ServerOptions, the same picocli model as `server` below) and runs
            // until it is stopped.
            ServerMain.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        quietLogs(); // the other commands print results, not the library's logs
        System.exit(execute(Console.system(), args));
    }

    /** Runs one command line with these streams; returns its exit code. */
    static int execute(Console console, String... args) {
        return commandLine(console).execute(LeadingFlags.moved(args));
    }

    /** The whole command tree, set up to print to {@code console}. */
    static CommandLine commandLine(Console console) {
        CommandLine cl = new CommandLine(new TallyCommand(console), new Factory(console));
        cl.addSubcommand("server", ServerFlags.commandLineForHelp());
        cl.setExpandAtFiles(false);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOverwrittenOptionsAllowed(false);
        cl.setUsageHelpWidth(100);
        cl.setOut(new PrintWriter(console.out(), true));
        cl.setErr(new PrintWriter(console.err(), true));
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine where = e.getCommandLine();
            PrintWriter err = where.getErr();
            err.println(where.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            err.println("./" + where.getCommandSpec().qualifiedName() + " --help shows the usage");
            err.flush();
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((thrown, where, parsed) -> {
            Exception e = thrown instanceof java.util.concurrent.CompletionException && thrown.getCause() instanceof Exception c
                    ? c : thrown;
            PrintWriter err = where.getErr();
            err.println(where.getCommandSpec().qualifiedName() + ": " + message(e));
            err.flush();
            return exitCode(e);
        });
        return cl;
    }

    /** What the user is told about a failure. */
    static String message(Exception e) {
        if (e instanceof OutcomeUnknownException) {
            return "outcome unknown: " + e.getMessage() + " (the write may or may not have been applied)";
        }
        if (e instanceof ClusterUnavailableException) {
            return "cluster unavailable: " + e.getMessage();
        }
        if (e instanceof CliFailure || e instanceof CasFailedException) {
            return e.getMessage();
        }
        if (e instanceof AuthenticationException) {
            return "not authenticated: " + e.getMessage() + " (give --user NAME[:PASSWORD] or --token TOKEN)";
        }
        if (e instanceof PermissionDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        if (e instanceof TlsHandshakeException) {
            return e.getMessage() + " (check --cacert, --cert and --key)";
        }
        if (e instanceof TallyException t) {
            return t.getMessage() + (t.code().isEmpty() ? "" : " (" + t.code() + ")");
        }
        if (e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        return e.toString();
    }

    /** The exit code of a command that failed with {@code e} ({@link ExitCode}). */
    static int exitCode(Exception e) {
        if (e instanceof CliFailure f) {
            return f.exitCode;
        }
        if (e instanceof CasFailedException || e instanceof LeaseNotFoundException || e instanceof WatchCompactedException) {
            return ExitCode.FAILED;
        }
        if (e instanceof OutcomeUnknownException || e instanceof ClusterUnavailableException) {
            return ExitCode.UNAVAILABLE;
        }
        if (e instanceof AuthenticationException || e instanceof PermissionDeniedException) {
            return ExitCode.DENIED;
        }
        if (e instanceof TallyException t) {
            if (t.status() == 409) {
                return ExitCode.FAILED;
            }
            return t.status() >= 400 && t.status() < 500 ? ExitCode.USAGE : ExitCode.UNAVAILABLE;
        }
        if (e instanceof IllegalArgumentException) {
            return ExitCode.USAGE;
        }
        return ExitCode.UNAVAILABLE;
    }

    /** Client-side commands print results, not the nodes' logs (must run before any logger is created). */
    static void quietLogs() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    /** Makes the commands, giving those that print the console. */
    private record Factory(Console console) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            for (Constructor<?> c : cls.getDeclaredConstructors()) {
                if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == Console.class) {
                    c.setAccessible(true);
                    return cls.cast(c.newInstance(console));
                }
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }
}
