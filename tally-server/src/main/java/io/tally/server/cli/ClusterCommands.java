package io.tally.server.cli;

import io.tally.client.ClusterMember;
import io.tally.client.ClusterUnavailableException;
import io.tally.client.LeaderInfo;
import io.tally.client.Membership;
import io.tally.client.OutcomeUnknownException;
import io.tally.client.TallyClient;
import io.tally.client.TallyException;
import io.tally.server.UsageException;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code members}, {@code add-member}, {@code remove-member} and {@code transfer-leader} (docs/operations.md).
 * Exit codes: 0 done; 1 refused (another change in progress, the configuration moved on, a new voter did not
 * catch up, a transfer aborted); 2 usage error or an invalid change; 3 cluster unavailable or outcome unknown.
 */
final class ClusterCommands {

    private ClusterCommands() {
    }

    static int run(String command, String[] args) {
        CliArgs a;
        List<String> endpoints;
        Duration timeout;
        try {
            a = CliArgs.parse(args, Set.of("endpoints", "timeout", "non-voter"), Set.of("non-voter"));
            endpoints = TallyClient.parseEndpoints(a.flag("endpoints", ClientCommands.DEFAULT_ENDPOINTS));
            timeout = a.durationFlag("timeout", switch (command) {
                case "members" -> "5s";
                case "add-member" -> "10m"; // catch-up of a new voter is paced; a large state takes minutes
                default -> "60s";
            });
            int min = command.equals("add-member") ? 3 : command.equals("remove-member") ? 1 : 0;
            int max = command.equals("transfer-leader") ? 1 : min;
            if (a.positional.size() < min || a.positional.size() > max) {
                throw new UsageException(command + " takes " + usage(command) + ", got " + a.positional.size() + " argument(s)");
            }
            if (a.flags.containsKey("non-voter") && !command.equals("add-member")) {
                throw new UsageException("--non-voter only applies to add-member");
            }
        } catch (UsageException | IllegalArgumentException e) {
            System.err.println("tally " + command + ": " + e.getMessage());
            System.err.println("./tally --help shows the usage");
            return 2;
        }
        try (TallyClient client = TallyClient.connect(endpoints, timeout)) {
            switch (command) {
                case "members" -> printMembers(client.members());
                case "add-member" -> {
                    boolean voter = !a.flag("non-voter", "false").equals("true");
                    Membership m = client.addMember(a.positional.get(0), a.positional.get(1), a.positional.get(2), voter, timeout);
                    System.out.println("OK " + a.positional.get(0) + " is a " + (voter ? "voter" : "non-voter"));
                    printMembers(m);
                }
                case "remove-member" -> {
                    Membership m = client.removeMember(a.positional.get(0), timeout);
                    System.out.println("OK " + a.positional.get(0) + " removed");
                    printMembers(m);
                }
                default -> {
                    LeaderInfo r = client.transferLeader(a.positional.isEmpty() ? null : a.positional.get(0), timeout);
                    System.out.println("OK leader is " + r.id() + r.http().map(h -> " (" + h + ")").orElse(""));
                }
            }
            return 0;
        } catch (OutcomeUnknownException e) {
            System.err.println("tally " + command + ": outcome unknown: " + e.getMessage()
                    + " (check with ./tally members)");
            return 3;
        } catch (ClusterUnavailableException e) {
            System.err.println("tally " + command + ": cluster unavailable at " + String.join(",", endpoints) + ": " + e.getMessage());
            return 3;
        } catch (TallyException e) {
            System.err.println("tally " + command + ": " + e.getMessage() + " (" + e.code() + ")");
            if (e.status() == 409) {
                return 1;
            }
            return e.status() >= 400 && e.status() < 500 ? 2 : 3;
        }
    }

    private static String usage(String command) {
        return switch (command) {
            case "add-member" -> "ID RAFT_HOST:PORT HTTP_HOST:PORT [--non-voter]";
            case "remove-member" -> "ID";
            case "transfer-leader" -> "[ID]";
            default -> "no arguments";
        };
    }

    private static void printMembers(Membership m) {
        String leader = m.leader().orElse("");
        System.out.printf("%-12s %-22s %-22s %s%n", "ID", "RAFT", "HTTP", "ROLE");
        for (ClusterMember member : m.members()) {
            String role = member.id().equals(leader) ? "leader" : member.voter() ? "voter" : "non-voter";
            System.out.printf("%-12s %-22s %-22s %s%n", member.id(), member.raft(), member.http().orElse("-"), role);
        }
        System.out.println("configuration index " + m.index() + (m.joint() ? " (joint)" : ""));
    }
}
