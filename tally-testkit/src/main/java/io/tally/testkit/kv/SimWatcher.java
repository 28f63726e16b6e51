package io.tally.testkit.kv;

import io.tally.kv.KeyFilter;
import io.tally.kv.KvService;
import io.tally.kv.Watch;
import io.tally.kv.WatchEvent;
import io.tally.kv.WatchListener;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A simulated watch client: it follows one key or prefix from a start revision for the whole scenario, through one
 * node's {@link io.tally.kv.WatchHub} at a time (its executor runs the listener inline: the simulator is one thread),
 * and, as a client reconnecting would, resumes on another running node with {@code from} = the revision after the
 * last it has seen, when its node crashes, closes or falls behind, or when it chooses to switch (every 0.5–3 s of
 * virtual time). Everything it receives is recorded, with the connection that delivered it, for {@link WatchChecker}.
 *
 * <p>The revision it resumes from is the last event's revision + 1, or the last progress notification's + 1 if that
 * is newer (an idle watch is told how far it has seen). A compacted start ({@link WatchListener#onCompacted}) is
 * recorded as a gap, and the watch resumes at the oldest revision held.
 *
 * <p>{@link Sabotage} breaks the client on purpose, for control runs that show the checker catches it.
 */
public final class SimWatcher {

    /** A deliberately broken client, for control runs. */
    public enum Sabotage {
        NONE,
        /** Resumes at the last revision seen instead of the one after it: a revision's events arrive twice. */
        RESUME_AT_LAST,
        /** Resumes one revision too far: the events of the revision after the last seen are lost. */
        RESUME_PAST_NEXT
    }

    /** One connection: where the watch ran, from which revision, and why it ended. */
    public record Connection(int number, String node, long from, long atNanos) {
    }

    /** An event as delivered, with the connection that delivered it. */
    public record Delivered(WatchEvent event, Connection by) {
    }

    /**
     * Revisions the watch was told it can no longer get (compacted), {@code [from, to)}; {@code nodeRevision} is the
     * revision of the node that said so, when it said so.
     */
    public record Gap(long from, long to, long nodeRevision) {
        public Gap(long from, long to) {
            this(from, to, -1);
        }
    }

    private final KvSimCluster c;
    private final String name;
    private final KeyFilter filter;
    private final long from;
    private final RandomGenerator rnd;
    private final Sabotage sabotage;
    private final List<Delivered> delivered = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private final List<Gap> gaps = new ArrayList<>();
    private final List<String> protocolErrors = new ArrayList<>();
    private long next;
    private long lastEventRevision;
    private int node = -1;
    private KvService service;
    private Watch watch;
    private Connection current;
    private long lastRevisionSeenOnNode;
    private long stalledSinceNanos;
    private long switchAtNanos;
    private boolean stopped;
    private boolean preferLeader;
    private boolean slow;
    private long suspendedUntilNanos;
    private int suspensions;
    private int crashesNoticed;
    private int switches;
    private int closes;

    /**
     * @param from the first revision wanted (events of revisions {@code >= from})
     */
    public SimWatcher(KvSimCluster c, String name, KeyFilter filter, long from, Sabotage sabotage) {
        if (from < 1) {
            throw new IllegalArgumentException("a watch starts at revision 1 or later");
        }
        this.c = c;
        this.name = name;
        this.filter = filter;
        this.from = from;
        this.next = from;
        this.rnd = c.simulation().newRandom();
        this.sabotage = sabotage;
    }

    public SimWatcher(KvSimCluster c, String name, KeyFilter filter, long from) {
        this(c, name, filter, from, Sabotage.NONE);
    }

    public String name() {
        return name;
    }

    public KeyFilter filter() {
        return filter;
    }

    /** The first revision the watcher asked for. */
    public long from() {
        return from;
    }

    /** The first revision it has not seen: everything matching before it has been delivered (or is in a gap). */
    public long next() {
        return next;
    }

    public List<Delivered> delivered() {
        return List.copyOf(delivered);
    }

    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    public List<Gap> gaps() {
        return List.copyOf(gaps);
    }

    /** Calls that broke the listener contract (a call after the watch was cancelled, an empty batch). */
    public List<String> protocolErrors() {
        return List.copyOf(protocolErrors);
    }

    /** Connects to the leader when there is one (the node most likely to crash or lose office), else to any node. */
    public SimWatcher preferLeader() {
        this.preferLeader = true;
        return this;
    }

    /**
     * A slow consumer: now and then (one check in ten) it holds deliveries ({@link Watch#suspend}) for 0.2–2 s, so
     * that the hub queues its events, or drops the queue and makes it catch up from the history.
     */
    public SimWatcher slowConsumer() {
        this.slow = true;
        return this;
    }

    /** Attaches to a running node and keeps watching until {@link #stop}. */
    public SimWatcher start() {
        switchAtNanos = c.simulation().nowNanos() + nextSwitchNanos();
        attach();
        check();
        return this;
    }

    /**
     * Stops switching nodes by choice (a crashed or lagging node is still left), so that the watch goes idle where it
     * is and hears how far it has seen from progress notifications: at the end of a scenario.
     */
    public void settle() {
        switchAtNanos = Long.MAX_VALUE;
        slow = false;
        if (watch != null && suspendedUntilNanos > 0) {
            suspendedUntilNanos = 0;
            watch.resume();
        }
    }

    /** Stops watching (the watch is cancelled; nothing more is recorded). */
    public void stop() {
        stopped = true;
        detach();
    }

    private long nextSwitchNanos() {
        return (500 + rnd.nextInt(2_500)) * 1_000_000L;
    }

    private void attach() {
        if (stopped) {
            return;
        }
        List<Integer> up = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            if (c.isUp(i)) {
                up.add(i);
            }
        }
        if (up.isEmpty()) {
            c.simulation().schedule(50_000_000L, "watcher " + name + " waits for a node", this::attach);
            return;
        }
        int leader = c.currentLeader();
        node = preferLeader && leader >= 0 ? leader : up.get(rnd.nextInt(up.size()));
        service = c.service(node);
        long resume = switch (sabotage) {
            case NONE -> next;
            case RESUME_AT_LAST -> connections.isEmpty() || lastEventRevision == 0 ? next : lastEventRevision;
            case RESUME_PAST_NEXT -> connections.isEmpty() ? next : next + 1;
        };
        Connection conn = new Connection(connections.size() + 1, c.incarnationName(node), resume, c.simulation().nowNanos());
        connections.add(conn);
        current = conn;
        lastRevisionSeenOnNode = service.store().appliedIndex();
        stalledSinceNanos = c.simulation().nowNanos();
        // With an inline executor the listener may run before watch() returns (a start in the past is drained at once).
        Watch w = service.watches().watch(filter, resume, Runnable::run, listener(conn));
        if (current == conn) {
            watch = w;
        } else {
            w.cancel(); // it ended while starting (compacted); a new connection is on its way
        }
    }

    private void detach() {
        suspendedUntilNanos = 0;
        if (watch != null) {
            watch.cancel();
        }
        watch = null;
        service = null;
        current = null;
        node = -1;
    }

    private void reattachLater() {
        detach();
        c.simulation().schedule(rnd.nextInt(200) * 1_000_000L, "watcher " + name + " reconnects", this::attach);
    }

    private WatchListener listener(Connection conn) {
        return new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                if (stopped) {
                    return;
                }
                if (conn != current) {
                    protocolErrors.add(events.size() + " events delivered on connection " + conn.number() + " ("
                            + conn.node() + ") after it was cancelled: " + events);
                    return;
                }
                if (events.isEmpty()) {
                    protocolErrors.add("an empty batch on connection " + conn.number());
                }
                for (WatchEvent e : events) {
                    delivered.add(new Delivered(e, conn));
                    lastEventRevision = e.revision();
                    next = e.revision() + 1;
                }
            }

            @Override
            public void onProgress(long revision) {
                if (!stopped && conn == current) {
                    next = Math.max(next, revision + 1);
                }
            }

            @Override
            public void onCompacted(long oldest) {
                if (stopped || conn != current) {
                    return;
                }
                if (oldest > next) {
                    gaps.add(new Gap(next, oldest, service.watches().revision()));
                    next = oldest;
                } else {
                    protocolErrors.add("connection " + conn.number() + " (" + conn.node() + ") from " + conn.from()
                            + " ended as compacted with oldest " + oldest + ", which it did not need");
                }
                reattachLater();
            }

            @Override
            public void onClosed() {
                if (!stopped && conn == current) {
                    closes++;
                    reattachLater();
                }
            }
        };
    }

    /**
     * Every 20–100 ms: a crashed or restarted node (its service is gone or replaced) ends the connection; a node whose
     * applied revision has not moved for 2 s while another's has is left; and when the switch time comes, the
     * watcher moves to another node.
     */
    private void check() {
        if (stopped) {
            return;
        }
        long now = c.simulation().nowNanos();
        if (service != null) {
            KvService s = c.service(node);
            if (s != service) {
                crashesNoticed++;
                reattachLater();
            } else {
                long applied = s.store().appliedIndex();
                if (applied != lastRevisionSeenOnNode) {
                    lastRevisionSeenOnNode = applied;
                    stalledSinceNanos = now;
                }
                boolean othersAhead = false;
                for (int i = 0; i < c.size(); i++) {
                    if (c.isUp(i) && c.service(i).store().appliedIndex() > applied) {
                        othersAhead = true;
                    }
                }
                if ((othersAhead && now - stalledSinceNanos > 2_000_000_000L && suspendedUntilNanos == 0)
                        || now >= switchAtNanos) {
                    switches++;
                    switchAtNanos = now + nextSwitchNanos();
                    reattachLater();
                } else if (watch != null && suspendedUntilNanos > 0 && now >= suspendedUntilNanos) {
                    suspendedUntilNanos = 0;
                    watch.resume(); // with the inline executor, what waited is delivered now
                } else if (watch != null && slow && suspendedUntilNanos == 0 && rnd.nextInt(10) == 0) {
                    suspensions++;
                    suspendedUntilNanos = now + (200 + rnd.nextInt(1_800)) * 1_000_000L;
                    watch.suspend();
                }
            }
        }
        c.simulation().schedule((20 + rnd.nextInt(81)) * 1_000_000L, "watcher " + name + " checks", this::check);
    }

    @Override
    public String toString() {
        return "watcher '" + name + "' (" + filter + " from " + from + "): " + delivered.size() + " events over "
                + connections.size() + " connections (" + crashesNoticed + " ended by a crash, " + closes
                + " closed, " + switches + " switches, " + suspensions + " suspensions), " + gaps.size() + " gaps, next "
                + next;
    }
}
