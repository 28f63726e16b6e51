package io.tally.server;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node process's settings, from command-line flags.
 *
 * @param id                the node id (letters, digits, '-', '_', '.'; at most 64)
 * @param dataDir           where the log, hard state and snapshots live
 * @param raft              HOST:PORT the Raft transport listens on and peers dial
 * @param http              HOST:PORT of the HTTP API
 * @param cluster           initial voters' Raft and HTTP addresses by id ({@link ClusterFlag}); used only to
 *                          bootstrap an empty data directory
 * @param clusterId         the cluster's name, checked in every peer handshake
 * @param storage           {@code file} (durable) or {@code memory} (benchmarks only: loses everything on exit)
 * @param electionTimeoutMs the minimum election timeout; heartbeats go out every tenth of it
 * @param snapshotEntries   take a snapshot after this many applied entries (0: only by log size, 64 MiB)
 * @param maxValueBytes     the largest value a write may carry (larger: 413)
 * @param join              HTTP addresses of members of an existing cluster to ask to add this node (empty: do not
 *                          join); used only when the data directory is empty
 * @param nonVoter          join as a non-voter instead of a voter
 * @param maxPendingRequests requests the node holds at once (writes and reads waiting for the log or a quorum); one
 *                          more is answered 503 {@code overloaded} at once ({@link io.tally.raft.RaftConfig#maxPendingRequests()})
 * @param maxHttpInFlight   HTTP requests the node holds at once, from their arrival until they are answered; one more
 *                          is answered 503 {@code overloaded} at once
 * @param historyRevisions  how many revisions of events the store keeps for watches (and in its snapshots)
 * @param security          TLS on both ports and token life ({@link SecurityOptions})
 * @param logging           {@code --log-format}, {@code --log-level}, {@code --log-file} ({@link LogSetup})
 */
public record ServerOptions(String id, Path dataDir, String raft, String http, Map<String, ClusterFlag.Addresses> cluster,
                            String clusterId, String storage, int electionTimeoutMs, long snapshotEntries,
                            int maxValueBytes, List<String> join, boolean nonVoter, int maxPendingRequests,
                            int maxHttpInFlight, long historyRevisions, SecurityOptions security,
                            LogSettings logging) {

    /** The default of {@code --max-http-in-flight}. */
    public static final int DEFAULT_MAX_HTTP_IN_FLIGHT = 4096;

    /** The text of {@code ./tally server --help}: every flag, from {@link ServerFlags}. */
    public static final String USAGE = ServerFlags.usage();

    /**
     * The options of a command line ({@link ServerFlags}), merged with the {@code --config} file it names (the
     * command line wins), checked.
     *
     * @throws UsageException naming the flag and what is wrong with it
     */
    public static ServerOptions parse(String[] args) throws UsageException {
        ServerFlags parsed = new ServerFlags();
        Map<String, String> flags;
        try {
            flags = new LinkedHashMap<>(ServerFlags.given(ServerFlags.commandLine(parsed).parseArgs(args)));
        } catch (picocli.CommandLine.ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        String configFile = parsed.config;
        if (configFile != null) {
            for (Map.Entry<String, String> e : readConfig(Path.of(configFile)).entrySet()) {
                flags.putIfAbsent(e.getKey(), e.getValue()); // the command line wins
            }
        }
        String id = required(flags, "id");
        if (!id.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new UsageException("--id '" + id + "' must be 1-64 letters, digits, '-', '_' or '.'");
        }
        Path dataDir = Path.of(required(flags, "data-dir"));
        String raft = address("raft", required(flags, "raft"));
        String http = address("http", required(flags, "http"));
        Map<String, ClusterFlag.Addresses> cluster = Map.of();
        String list = flags.get("cluster");
        if (list != null) {
            cluster = ClusterFlag.parse(list);
            ClusterFlag.Addresses self = cluster.get(id);
            if (self == null) {
                throw new UsageException("--cluster must include this node ('" + id + "')");
            }
            if (!self.raft().equals(raft)) {
                throw new UsageException("--cluster gives " + id + " the Raft address " + self.raft() + " but --raft is " + raft);
            }
            if (!self.http().equals(http)) {
                throw new UsageException("--cluster gives " + id + " the HTTP address " + self.http() + " but --http is " + http);
            }
        }
        String clusterId = flags.getOrDefault("cluster-id", "tally");
        if (clusterId.isEmpty() || clusterId.length() > 128) {
            throw new UsageException("--cluster-id must be 1-128 characters");
        }
        String storage = flags.getOrDefault("storage", "file");
        if (!storage.equals("file") && !storage.equals("memory")) {
            throw new UsageException("--storage must be 'file' or 'memory', not '" + storage + "'");
        }
        int election;
        try {
            election = Integer.parseInt(flags.getOrDefault("election-timeout-ms", "500"));
        } catch (NumberFormatException e) {
            throw new UsageException("--election-timeout-ms must be a number of milliseconds");
        }
        if (election < 50 || election > 60_000) {
            throw new UsageException("--election-timeout-ms must be between 50 and 60000");
        }
        long snapshotEntries;
        try {
            snapshotEntries = Long.parseLong(flags.getOrDefault("snapshot-entries", "100000"));
        } catch (NumberFormatException e) {
            throw new UsageException("--snapshot-entries must be a number");
        }
        if (snapshotEntries < 0) {
            throw new UsageException("--snapshot-entries must not be negative");
        }
        int maxValue;
        try {
            maxValue = Integer.parseInt(flags.getOrDefault("max-value-bytes", Integer.toString(1 << 20)));
        } catch (NumberFormatException e) {
            throw new UsageException("--max-value-bytes must be a number of bytes");
        }
        if (maxValue < 1 || maxValue > (8 << 20)) {
            throw new UsageException("--max-value-bytes must be between 1 and 8388608 (the Raft transport's frames are 16 MiB)");
        }
        int maxPending;
        try {
            maxPending = Integer.parseInt(flags.getOrDefault("max-pending-requests",
                    Integer.toString(io.tally.raft.RaftConfig.DEFAULT_MAX_PENDING_REQUESTS)));
        } catch (NumberFormatException e) {
            throw new UsageException("--max-pending-requests must be a number");
        }
        if (maxPending < 1) {
            throw new UsageException("--max-pending-requests must be at least 1");
        }
        int maxHttpInFlight;
        try {
            maxHttpInFlight = Integer.parseInt(flags.getOrDefault("max-http-in-flight",
                    Integer.toString(DEFAULT_MAX_HTTP_IN_FLIGHT)));
        } catch (NumberFormatException e) {
            throw new UsageException("--max-http-in-flight must be a number");
        }
        if (maxHttpInFlight < 1) {
            throw new UsageException("--max-http-in-flight must be at least 1");
        }
        long historyRevisions;
        try {
            historyRevisions = Long.parseLong(flags.getOrDefault("history-revisions",
                    Long.toString(io.tally.kv.KvStateMachine.DEFAULT_HISTORY_REVISIONS)));
        } catch (NumberFormatException e) {
            throw new UsageException("--history-revisions must be a number");
        }
        if (historyRevisions < 1 || historyRevisions > 100_000_000) {
            throw new UsageException("--history-revisions must be between 1 and 100000000");
        }
        List<String> join = new java.util.ArrayList<>();
        if (flags.containsKey("join")) {
            for (String item : flags.get("join").split(",")) {
                join.add(address("join", item.strip()));
            }
            if (!cluster.isEmpty()) {
                throw new UsageException("--join and --cluster exclude each other: --cluster bootstraps a new cluster, "
                        + "--join adds this node to a running one");
            }
        }
        String nv = flags.getOrDefault("non-voter", "false");
        if (!nv.equals("true") && !nv.equals("false")) {
            throw new UsageException("non-voter must be true or false, not '" + nv + "'");
        }
        boolean nonVoter = nv.equals("true");
        if (nonVoter && join.isEmpty()) {
            throw new UsageException("--non-voter only makes sense with --join");
        }
        LogSettings logging = LogSettings.parse(flags.get("log-format"), flags.get("log-level"), flags.get("log-file"));
        return new ServerOptions(id, dataDir, raft, http, cluster, clusterId, storage, election, snapshotEntries, maxValue,
                List.copyOf(join), nonVoter, maxPending, maxHttpInFlight, historyRevisions, SecurityOptions.parse(flags),
                logging);
    }

    /** {@code NAME = VALUE} lines; blank lines and lines starting with # are skipped. */
    static Map<String, String> readConfig(Path file) throws UsageException {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new UsageException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String where = file + " line " + (i + 1);
            if (eq <= 0) {
                throw new UsageException(where + ": expected NAME = VALUE, got '" + line + "'");
            }
            String name = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!ServerFlags.settable().contains(name)) {
                throw new UsageException(where + ": unknown setting '" + name + "'");
            }
            if (out.put(name, value) != null) {
                throw new UsageException(where + ": '" + name + "' is set twice");
            }
        }
        return out;
    }

    private static String required(Map<String, String> flags, String name) throws UsageException {
        String v = flags.get(name);
        if (v == null || v.isEmpty()) {
            throw new UsageException("missing required flag --" + name);
        }
        return v;
    }

    /** {@code value} if it is HOST:PORT with a port in 1-65535; else a usage error naming {@code --flag}. */
    static String address(String flag, String value) throws UsageException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException("--" + flag + " address '" + value + "' is not HOST:PORT");
        }
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new UsageException("--" + flag + " port " + port + " is out of range 1-65535");
            }
        } catch (NumberFormatException e) {
            throw new UsageException("--" + flag + " address '" + value + "' has no numeric port");
        }
        return value;
    }
}
