package io.tally.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tally.server.UsageException;
import io.tally.client.CasFailedException;
import io.tally.client.ClusterUnavailableException;
import io.tally.client.Consistency;
import io.tally.client.ClusterMember;
import io.tally.client.KeyValue;
import io.tally.client.NodeStatus;
import io.tally.client.OutcomeUnknownException;
import io.tally.client.TallyClient;
import io.tally.client.TallyException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code put}, {@code get}, {@code delete}, {@code scan} and {@code status}, through {@link TallyClient}. */
final class ClientCommands {

    static final String DEFAULT_ENDPOINTS = "127.0.0.1:8001,127.0.0.1:8002,127.0.0.1:8003";

    private ClientCommands() {
    }

    static int run(String command, String[] args) {
        CliArgs a;
        List<String> endpoints;
        Duration timeout;
        try {
            a = CliArgs.parse(args, Set.of("endpoints", "timeout", "consistency", "limit", "cas"));
            endpoints = TallyClient.parseEndpoints(a.flag("endpoints", DEFAULT_ENDPOINTS));
            timeout = a.durationFlag("timeout", "5s");
            int want = switch (command) {
                case "put" -> 2;
                case "get", "delete", "scan" -> 1;
                default -> 0;
            };
            if (a.positional.size() != want) {
                throw new UsageException(command + " takes " + want + " argument" + (want == 1 ? "" : "s")
                        + " (" + String.join(" ", names(command)) + "), got " + a.positional.size());
            }
        } catch (UsageException | IllegalArgumentException e) {
            System.err.println("tally " + command + ": " + e.getMessage());
            System.err.println("./tally --help shows the usage");
            return 2;
        }
        try (TallyClient client = TallyClient.connect(endpoints, timeout)) {
            return execute(command, a, client, timeout);
        } catch (UsageException e) {
            System.err.println("tally " + command + ": " + e.getMessage());
            return 2;
        } catch (CasFailedException e) {
            System.err.println("tally " + command + ": " + e.getMessage());
            return 1;
        } catch (OutcomeUnknownException e) {
            System.err.println("tally " + command + ": outcome unknown: " + e.getMessage()
                    + " (the write may or may not have been applied)");
            return 3;
        } catch (ClusterUnavailableException e) {
            System.err.println("tally " + command + ": cluster unavailable at " + String.join(",", endpoints) + ": "
                    + e.getMessage());
            return 3;
        } catch (TallyException e) {
            System.err.println("tally " + command + ": " + e.getMessage() + " (" + e.code() + ")");
            return e.status() >= 400 && e.status() < 500 ? 2 : 3;
        }
    }

    private static List<String> names(String command) {
        return switch (command) {
            case "put" -> List.of("KEY", "VALUE");
            case "scan" -> List.of("PREFIX");
            case "status" -> List.of();
            default -> List.of("KEY");
        };
    }

    private static int execute(String command, CliArgs a, TallyClient client, Duration timeout) throws UsageException {
        switch (command) {
            case "put" -> {
                long cas = a.longFlag("cas", -1, 0, Long.MAX_VALUE);
                byte[] value = a.positional.get(1).getBytes(StandardCharsets.UTF_8);
                long v = cas < 0 ? client.put(a.positional.get(0), value) : client.put(a.positional.get(0), value, cas);
                System.out.println("OK version " + v);
                return 0;
            }
            case "get" -> {
                Consistency c;
                try {
                    c = Consistency.valueOf(a.flag("consistency", "linearizable").toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--consistency must be linearizable, lease or stale");
                }
                Optional<KeyValue> kv = client.get(a.positional.get(0), c, timeout);
                if (kv.isEmpty()) {
                    System.err.println("tally get: key '" + a.positional.get(0) + "' not found");
                    return 1;
                }
                System.out.println(kv.get().valueAsString());
                return 0;
            }
            case "delete" -> {
                long cas = a.longFlag("cas", -1, 0, Long.MAX_VALUE);
                boolean deleted = cas < 0 ? client.delete(a.positional.get(0)) : client.delete(a.positional.get(0), cas);
                if (!deleted) {
                    System.err.println("tally delete: key '" + a.positional.get(0) + "' not found");
                    return 1;
                }
                System.out.println("OK deleted");
                return 0;
            }
            case "scan" -> {
                int limit = (int) a.longFlag("limit", 1000, 1, 10_000);
                for (KeyValue kv : client.scan(a.positional.get(0), limit)) {
                    System.out.println(kv.key() + "\t" + kv.valueAsString());
                }
                return 0;
            }
            default -> {
                try {
                    System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(asJson(client.status())));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                return 0;
            }
        }
    }

    /** The status as the server's {@code /v1/status} document has it (docs/http-api.md). */
    private static Map<String, Object> asJson(NodeStatus s) {
        List<Map<String, Object>> members = new ArrayList<>();
        for (ClusterMember m : s.members()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("id", m.id());
            mm.put("raft", m.raft());
            mm.put("http", m.http().orElse(null));
            mm.put("voter", m.voter());
            members.add(mm);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", s.id());
        out.put("state", s.state());
        out.put("term", s.term());
        out.put("leader", s.leader().orElse(null));
        out.put("commitIndex", s.commitIndex());
        out.put("appliedIndex", s.appliedIndex());
        out.put("lastLogIndex", s.lastLogIndex());
        out.put("configurationIndex", s.configurationIndex());
        out.put("removed", s.removed());
        out.put("members", members);
        return out;
    }
}
