package io.tally.testkit.scenarios;

import io.tally.testkit.kv.KvSimCluster;
import io.tally.testkit.kv.SimKvClient;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.Operation;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import static io.tally.testkit.harness.Cluster.fatal;

/** What the key/value scenarios share: each client's own key, reading a value for the checks, random partitions. */
final class KvScenarioSupport {

    private KvScenarioSupport() {
    }

    /** The key client {@code client} appends to and predicts. */
    static String ownKey(int client) {
        return "k" + client;
    }

    /** Reads a key through a fresh client (its read joins the history). */
    static String currentValue(KvSimCluster c, String key, List<Operation<KvModel.Input, String>> history, int round) {
        String[] out = {null};
        SimKvClient reader = new SimKvClient(c, 900_000 + round, history, true);
        reader.get(key, v -> out[0] = v);
        c.simulation().runUntil(() -> out[0] != null, 30_000);
        if (out[0] == null) {
            throw fatal("could not read " + key + " within 30 s");
        }
        return out[0];
    }

    /** Each of the client's acknowledged appends is in {@code value} exactly once, in the order they were made. */
    static void checkAppends(int client, String value, List<String> appends) {
        int from = 0;
        for (String a : appends) {
            int at = value.indexOf(a, from);
            if (at < 0) {
                throw fatal("client " + client + "'s append '" + a + "' is missing or out of order in '" + value + "'");
            }
            if (value.indexOf(a, at + a.length()) >= 0) {
                throw fatal("client " + client + "'s append '" + a + "' is present twice in '" + value + "'");
            }
            from = at + a.length();
        }
    }

    /** Re-draws a random two-way partition every 1 s + 0–200 ms until {@code stop[0]}. */
    static void repartitionLater(KvSimCluster c, RandomGenerator rnd, boolean[] stop) {
        c.simulation().schedule((1000 + rnd.nextInt(200)) * 1_000_000L, "repartition", () -> {
            if (stop[0]) {
                return;
            }
            List<Integer> a = new ArrayList<>();
            List<Integer> b = new ArrayList<>();
            for (int i = 0; i < c.size(); i++) {
                (rnd.nextBoolean() ? a : b).add(i);
            }
            c.partition(a.stream().mapToInt(Integer::intValue).toArray(), b.stream().mapToInt(Integer::intValue).toArray());
            repartitionLater(c, rnd, stop);
        });
    }
}
