package io.tally.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The flags of {@code ./tally server} as picocli declares them: each one a string as given, checked and converted by
 * {@link ServerOptions#parse} once the command line and the {@code --config} file are merged. picocli does the
 * command-line grammar: {@code --name value} and {@code --name=value}, unknown flags, a flag given twice or without its
 * value, stray arguments; {@code --help} and the usage text. To add a flag: a field here, and its check in
 * {@link ServerOptions#parse}.
 */
@Command(name = "server", sortOptions = false, usageHelpAutoWidth = true,
        description = "Run one node: file storage, the Raft transport and the HTTP API.",
        customSynopsis = {
            "Usage: ./tally server --id ID --data-dir DIR --raft HOST:PORT --http HOST:PORT",
            "                      [--cluster ID=RAFT_HOST:PORT/HTTP_HOST:PORT[,...] | --join HTTP_HOST:PORT[,...] [--non-voter]]",
            "                      [--cluster-id NAME] [--storage file|memory] [--election-timeout-ms MS] [--snapshot-entries N]",
            "                      [--max-value-bytes N] [--max-pending-requests N] [--max-http-in-flight N]",
            "                      [--history-revisions N]",
            "                      [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE] [--tls-ca FILE]]",
            "                      [--peer-tls-cert FILE --peer-tls-key FILE --peer-tls-ca FILE] [--auth-token-ttl D]",
            "                      [--log-format text|json] [--log-level LEVEL] [--log-file FILE] [--config FILE]"},
        footer = {"", "Invalid flags, or an unusable, locked or corrupted data directory: a message and exit code 2."})
public final class ServerFlags {

    @Option(names = "--id", paramLabel = "ID", description = "this node's id (letters, digits, '-', '_', '.'; at most 64)")
    String id;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "directory for the log, hard state and snapshots (created if missing)")
    String dataDir;

    @Option(names = "--raft", paramLabel = "HOST:PORT", description = "address the Raft transport listens on; peers dial it")
    String raft;

    @Option(names = "--http", paramLabel = "HOST:PORT", description = "address of the HTTP API (/v1/kv/..., /v1/status, /v1/health)")
    String http;

    @Option(names = "--cluster", paramLabel = "LIST", description = {
        "initial voters as ID=RAFT_HOST:PORT/HTTP_HOST:PORT, comma-separated, this node included (its addresses as in "
            + "--raft and --http); both addresses are required: the HTTP one is where followers forward requests to the "
            + "member when it leads. Bootstraps an empty data directory, ignored (but still checked) once state exists. "
            + "Addresses change later only through a membership change (./tally add-member ID RAFT HTTP)"})
    String cluster;

    @Option(names = "--join", paramLabel = "LIST", description = {
        "HTTP addresses (HOST:PORT, comma-separated) of members of a running cluster: an empty node asks the cluster to "
            + "add it as a voter (promoted once caught up); ignored once state exists. An empty node whose id is already "
            + "a voter does not start (exit 2): remove that member first (./tally remove-member ID), or join under a new id"})
    String join;

    @Option(names = "--non-voter", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "with --join: join as a non-voter (receives the log, never votes)")
    String nonVoter;

    @Option(names = "--cluster-id", paramLabel = "NAME", description = {
        "cluster name checked in every peer handshake (default: tally). A data directory written by ./tally snapshot "
            + "restore or ./tally recover records its cluster's name, and starts only under that name"})
    String clusterId;

    @Option(names = "--storage", paramLabel = "file|memory",
            description = "durable files (default) or memory (benchmarks; nothing survives a restart)")
    String storage;

    @Option(names = "--election-timeout-ms", paramLabel = "MS", description = "minimum election timeout in ms (default 500; at least 50)")
    String electionTimeoutMs;

    @Option(names = "--snapshot-entries", paramLabel = "N",
            description = "snapshot after N applied entries (default 100000; 0: only when the log reaches 64 MiB)")
    String snapshotEntries;

    @Option(names = "--max-value-bytes", paramLabel = "N",
            description = "largest value a write may carry (default 1048576; larger: HTTP 413)")
    String maxValueBytes;

    @Option(names = "--max-pending-requests", paramLabel = "N", description = {
        "requests the node holds at once, waiting for the log or a quorum (default 16384); beyond it a request is "
            + "answered 503 overloaded at once"})
    String maxPendingRequests;

    @Option(names = "--max-http-in-flight", paramLabel = "N", description = {
        "HTTP requests the node holds at once, from their arrival until they are answered (default 4096); beyond it a "
            + "request is answered 503 overloaded at once, its connection kept open"})
    String maxHttpInFlight;

    @Option(names = "--history-revisions", paramLabel = "N", description = {
        "revisions of events kept for watches, in memory and in snapshots (default 100000); a watch from an older "
            + "revision is answered 410"})
    String historyRevisions;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = {
        "PEM certificate chain for the HTTP port; with --tls-key, the port speaks only TLS 1.2/1.3 (a plaintext request "
            + "is refused). Reloaded when the file changes"})
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key of --tls-cert")
    String tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "FILE", description = {
        "HTTP clients must present a certificate signed by this CA (mutual TLS); members present their --tls-cert when "
            + "they forward to the leader"})
    String tlsClientCa;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = {
        "CAs trusted for the other members' HTTP certificates (forwarding, --join); default: the JDK's trusted CAs"})
    String tlsCa;

    @Option(names = "--peer-tls-cert", paramLabel = "FILE", description = {
        "PEM certificate for the Raft port, naming this node's id (CN or DNS SAN); with --peer-tls-key and "
            + "--peer-tls-ca the Raft port speaks only mutual TLS, and every member must (a mismatch is refused, with a "
            + "clear error on both sides)"})
    String peerTlsCert;

    @Option(names = "--peer-tls-key", paramLabel = "FILE", description = "PEM private key of --peer-tls-cert")
    String peerTlsKey;

    @Option(names = "--peer-tls-ca", paramLabel = "FILE", description = "the CA that signed every member's --peer-tls-cert")
    String peerTlsCa;

    @Option(names = "--auth-token-ttl", paramLabel = "D", description = "how long authentication tokens last (default 10m; 1s to 24h)")
    String authTokenTtl;

    @Option(names = "--log-format", paramLabel = "text|json", description = {
        "log lines as text (default) or one JSON object per line; both carry ISO-8601 times with the zone"})
    String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info (default), debug or trace")
    String logLevel;

    @Option(names = "--log-file", paramLabel = "FILE", description = {
        "log to FILE instead of standard error; it rolls over daily and at 100 MB (FILE.DATE.N.gz), keeping 7 days and "
            + "at most 1 GB of rolled files"})
    String logFile;

    @Option(names = "--config", paramLabel = "FILE", description = {
        "read flags from FILE, one per line as NAME = VALUE (the flag names without dashes, e.g. "
            + "\"data-dir = /var/lib/tally\"; # starts a comment); flags on the command line win over the file"})
    String config;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    /** A parser of these flags, set up as every Tally command is: no @-files, {@code --} ends the options. */
    static CommandLine commandLine(ServerFlags flags) {
        CommandLine cl = new CommandLine(flags);
        cl.setExpandAtFiles(false);
        cl.setOverwrittenOptionsAllowed(false);
        return cl;
    }

    /** The flags the command line gave, by name without dashes ({@code data-dir}), {@code --config} and help excluded. */
    static Map<String, String> given(CommandLine.ParseResult parsed) {
        Map<String, String> out = new LinkedHashMap<>();
        for (OptionSpec o : parsed.matchedOptions()) {
            String name = o.longestName().substring(2);
            if (!name.equals("config") && !name.equals("help")) {
                out.put(name, o.getValue());
            }
        }
        return out;
    }

    /** The names a config file may set: every flag but {@code config} and {@code help}. */
    static java.util.Set<String> settable() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (OptionSpec o : commandLine(new ServerFlags()).getCommandSpec().options()) {
            String name = o.longestName().substring(2);
            if (!name.equals("config") && !name.equals("help")) {
                names.add(name);
            }
        }
        return names;
    }

    /** The model of {@code ./tally server} inside {@code ./tally}'s command tree: its help and shell completion. */
    public static CommandLine commandLineForHelp() {
        return commandLine(new ServerFlags());
    }

    /** The usage text of {@code ./tally server --help}. */
    static String usage() {
        return commandLine(new ServerFlags()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }
}
