package io.tally.server;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The value of {@code --cluster}: the initial voters of a new cluster as
 * {@code ID=RAFT_HOST:PORT/HTTP_HOST:PORT}, comma-separated. Both addresses go into the bootstrap configuration,
 * the HTTP one as the member's {@link MemberHttp} metadata: followers forward client requests to the leader's
 * HTTP address, so every member needs one from the start.
 */
public final class ClusterFlag {

    static final String SYNTAX = "ID=RAFT_HOST:PORT/HTTP_HOST:PORT";

    /** One initial voter's addresses. */
    public record Addresses(String raft, String http) {
    }

    private ClusterFlag() {
    }

    /**
     * The members by id, in the order given.
     *
     * @throws UsageException naming the item and what is wrong with it: no '=', a bad id, a missing HTTP address,
     *                        a malformed address, an id or address given twice
     */
    public static Map<String, Addresses> parse(String value) throws UsageException {
        Map<String, Addresses> members = new LinkedHashMap<>();
        Map<String, String> owners = new HashMap<>(); // address -> the member that has it
        for (String item : value.split(",", -1)) {
            item = item.strip();
            if (item.isEmpty()) {
                throw new UsageException("--cluster has an empty item; expected " + SYNTAX + ",...");
            }
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--cluster item '" + item + "' is not " + SYNTAX);
            }
            String id = item.substring(0, eq);
            if (!id.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new UsageException("--cluster member id '" + id + "' must be 1-64 letters, digits, '-', '_' or '.'");
            }
            String addresses = item.substring(eq + 1);
            int slash = addresses.indexOf('/');
            if (slash < 0) {
                throw new UsageException("--cluster item '" + item + "' has no HTTP address: write " + SYNTAX
                        + " (followers forward client requests to the leader's HTTP address)");
            }
            // "--cluster item 'n1=h:1/h:x' HTTP address 'h:x' has no numeric port"
            String raft = ServerOptions.address("cluster item '" + item + "' Raft", addresses.substring(0, slash));
            String http = ServerOptions.address("cluster item '" + item + "' HTTP", addresses.substring(slash + 1));
            if (members.put(id, new Addresses(raft, http)) != null) {
                throw new UsageException("--cluster names '" + id + "' twice");
            }
            for (String address : new String[] {raft, http}) {
                String owner = owners.putIfAbsent(address, id);
                if (owner != null) {
                    throw new UsageException("--cluster gives the address " + address + " twice ("
                            + (owner.equals(id) ? id + "'s Raft and HTTP" : owner + " and " + id) + ")");
                }
            }
        }
        return Collections.unmodifiableMap(members);
    }
}
