package io.tally.testkit.scenarios;

import io.tally.kv.Consistency;
import io.tally.kv.KeyFilter;
import io.tally.testkit.kv.KvSimCluster;
import io.tally.testkit.kv.SimKvClient;
import io.tally.testkit.kv.SimWatcher;
import io.tally.testkit.kv.WatchChecker;
import io.tally.testkit.linearizability.KvModel;
import io.tally.testkit.linearizability.Operation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
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

    /**
     * Operations on groups of keys that every client shares ({@code g0/a}, {@code g0/b}, {@code g0/c}, {@code g1/a},
     * …), which the linearizability checker verifies group by group: transactions (random comparisons on values the
     * clients saw, on existence and absence; random branches of puts, gets, deletes and prefix deletes), range reads
     * (linearizable, a quarter of them lease reads) read in pages of two, prefix deletes of a whole group or of one
     * key, and puts and appends. Every value written is unique.
     */
    static final class GroupOps {
        static final String[] KEYS = {"a", "b", "c"};

        private final int groups;
        private final RandomGenerator rnd;
        /** The newest contents of each group that some client saw: where comparisons draw their values. */
        private final Map<String, SortedMap<String, String>> seen = new HashMap<>();
        private int n;
        int txns;
        int txnsSucceeded;
        int ranges;
        int prefixDeletes;
        long keysDeleted;
        int writes;

        GroupOps(int groups, RandomGenerator rnd) {
            this.groups = groups;
            this.rnd = rnd;
        }

        /** Groups for {@code clients} clients: about one for two clients, so that they contend. */
        static GroupOps forClients(int clients, RandomGenerator rnd) {
            return new GroupOps(Math.max(2, clients / 2), rnd);
        }

        /** Issues one random group operation on {@code cl}; {@code then} runs once it completed. */
        void next(SimKvClient cl, Runnable then) {
            String g = "g" + rnd.nextInt(groups) + "/";
            int r = rnd.nextInt(100);
            if (r < 35) {
                KvModel.Txn t = randomTxn(cl, g);
                cl.txn(t, result -> {
                    txns++;
                    if (result.txn().succeeded()) {
                        txnsSucceeded++;
                    }
                    then.run();
                });
            } else if (r < 65) {
                cl.rangeRead(g, rnd.nextInt(4) == 0 ? Consistency.LEASE : Consistency.LINEARIZABLE, entries -> {
                    ranges++;
                    seen.put(g, entries);
                    then.run();
                });
            } else if (r < 72) {
                String prefix = rnd.nextBoolean() ? g : g + KEYS[rnd.nextInt(KEYS.length)];
                cl.deletePrefix(prefix, result -> {
                    prefixDeletes++;
                    keysDeleted += result.count();
                    then.run();
                });
            } else {
                String key = g + KEYS[rnd.nextInt(KEYS.length)];
                String value = "v" + cl.id() + "." + (++n);
                writes++;
                if (rnd.nextBoolean()) {
                    cl.put(key, value, then);
                } else {
                    cl.append(key, value, then);
                }
            }
        }

        private KvModel.Txn randomTxn(SimKvClient cl, String g) {
            List<KvModel.Cond> compare = new ArrayList<>();
            int compares = rnd.nextInt(3);
            SortedMap<String, String> known = seen.get(g);
            for (int i = 0; i < compares; i++) {
                String key = g + KEYS[rnd.nextInt(KEYS.length)];
                int kind = rnd.nextInt(4);
                String value = known == null ? null : known.get(key);
                if (kind < 2 && value != null) {
                    compare.add(KvModel.Cond.valueIs(key, value));
                } else if (kind < 3) {
                    compare.add(value != null ? KvModel.Cond.exists(key) : KvModel.Cond.absent(key));
                } else {
                    compare.add(rnd.nextBoolean() ? KvModel.Cond.exists(key) : KvModel.Cond.absent(key));
                }
            }
            List<KvModel.Step> success = randomBranch(cl, g, 1 + rnd.nextInt(3));
            List<KvModel.Step> failure = randomBranch(cl, g, rnd.nextInt(3));
            if (compare.isEmpty() && success.isEmpty()) {
                compare.add(KvModel.Cond.exists(g + "a"));
            }
            return new KvModel.Txn(compare, success, failure);
        }

        /** Up to three steps on distinct keys of group {@code g}: no two writes of a branch touch one key. */
        private List<KvModel.Step> randomBranch(SimKvClient cl, String g, int size) {
            List<String> keys = new ArrayList<>(List.of(KEYS));
            List<KvModel.Step> steps = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                String key = g + keys.remove(rnd.nextInt(keys.size()));
                int kind = rnd.nextInt(10);
                steps.add(kind < 4 ? KvModel.Step.put(key, "t" + cl.id() + "." + (++n))
                        : kind < 7 ? KvModel.Step.get(key)
                        : kind < 9 ? KvModel.Step.delete(key)
                        : KvModel.Step.deletePrefix(key));
            }
            return steps;
        }

        @Override
        public String toString() {
            return groups + " groups: " + txns + " transactions (" + txnsSucceeded + " took the success branch), "
                    + ranges + " range reads, " + prefixDeletes + " prefix deletes (" + keysDeleted + " keys), " + writes
                    + " puts and appends";
        }
    }

    /**
     * What a key/value scenario checks besides the linearizability of its history: watchers that follow the store
     * through every fault (every key from revision 1; group {@code g0/} from revision 1; client 0's own key from
     * revision 1; group {@code g1/} from the revision after the first round), every acknowledged write and every range
     * read held to the log, and at the end {@link WatchChecker#checkAll}.
     */
    static final class Observers {
        final List<SimKvClient.Acknowledged> acks = new ArrayList<>();
        final List<SimKvClient.RangeRead> reads = new ArrayList<>();
        final List<SimWatcher> watchers = new ArrayList<>();
        private final SimWatcher.Sabotage sabotage;

        Observers() {
            this(SimWatcher.Sabotage.NONE);
        }

        /** With watchers broken on purpose (control runs). */
        Observers(SimWatcher.Sabotage sabotage) {
            this.sabotage = sabotage;
        }

        /** Adds a watcher of the scenario's own, started, with this object's sabotage. */
        SimWatcher watch(KvSimCluster c, String name, KeyFilter filter, long from, boolean preferLeader, boolean slow) {
            SimWatcher w = new SimWatcher(c, name, filter, from, sabotage);
            if (preferLeader) {
                w.preferLeader();
            }
            if (slow) {
                w.slowConsumer();
            }
            watchers.add(w.start());
            return w;
        }

        /** Starts the watchers of revision 1. */
        void start(KvSimCluster c) {
            watchers.add(new SimWatcher(c, "all", KeyFilter.prefix(""), 1, sabotage).start());
            watchers.add(new SimWatcher(c, "g0", KeyFilter.prefix("g0/"), 1, sabotage).start());
            watchers.add(new SimWatcher(c, "k0", KeyFilter.key(ownKey(0)), 1, sabotage).start());
        }

        /** Called at the start of each round: the late watcher starts at the next revision (the watch API's default). */
        void round(KvSimCluster c, int round) {
            if (round == 1) {
                watchers.add(new SimWatcher(c, "g1 late", KeyFilter.prefix("g1/"), c.truth().revision() + 1, sabotage).start());
            }
        }

        SimKvClient observe(SimKvClient client) {
            return client.observeWrites(acks::add).observeRangeReads(reads::add);
        }

        /**
         * Once the faults are over: waits until every node runs and has applied the newest revision and every watcher
         * stands past it, then checks everything. Returns a summary for the scenario's report line.
         */
        String check(KvSimCluster c) {
            c.heal();
            for (int i = 0; i < c.size(); i++) {
                if (!c.isUp(i)) {
                    c.start(i);
                }
            }
            long[] last = {-1};
            boolean settled = c.simulation().runUntil(() -> {
                long f = c.truth().revision();
                for (int i = 0; i < c.size(); i++) {
                    if (!c.isUp(i) || c.service(i).store().appliedIndex() != f) {
                        return false;
                    }
                }
                return true;
            }, 30_000);
            long f = c.truth().revision();
            if (!settled) {
                throw fatal("the nodes did not all apply revision " + f + " within 30 s: " + c.describe());
            }
            last[0] = f;
            // An idle watch learns that it has seen everything from progress notifications (every 5 s, each watch at
            // least every 10 s); watchers no longer switch nodes by choice.
            watchers.forEach(SimWatcher::settle);
            c.simulation().runUntil(() -> watchers.stream().allMatch(w -> w.next() > last[0]), 30_000);
            String summary = WatchChecker.checkAll(c, watchers, f);
            watchers.forEach(SimWatcher::stop);
            int a = c.truth().checkAcknowledged(acks);
            int r = c.truth().checkRangeReads(reads, acks);
            return summary + "; " + a + " acknowledged writes and " + r + " range reads as logged";
        }
    }
}
