package io.tally.client;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One subscriber's watch: a stream of server-sent events from one node at a time, resumed on another node (or the
 * same) whenever the stream ends, from the first revision not yet received whole. That is what makes the events
 * exactly once and in order across reconnects:
 *
 * <ul>
 *   <li>The server writes the events of one revision together and marks the last of them with the SSE id of the
 *       revision. Events of a revision are held back ({@code partial}) until its id arrives; only then are they
 *       queued for the subscriber and {@code nextFrom} moves past the revision. A stream cut mid-revision drops the
 *       held-back part, and the next stream starts at that revision again: nothing is missed, nothing seen twice.</li>
 *   <li>A progress note {@code {"progress": R}} says the node has sent everything up to R: {@code nextFrom} moves
 *       to R + 1, so that a resumed watch does not ask for history it has no use for (and that may be gone).</li>
 *   <li>Without a {@code from}, the first revision is the answering node's applied revision + 1 (its status), asked
 *       once, so that every later stream names its {@code from} explicitly.</li>
 * </ul>
 *
 * Back-pressure: events wait in {@code ready} until the subscriber requests them; past {@value #HIGH_WATER} queued
 * the connection stops reading (the server then holds back, and later catches up from its history), and reads again
 * once the queue is down to {@value #LOW_WATER}. The subscriber's methods run on the watch's executor, one at a time.
 *
 * <p>It ends with {@code onError}: {@link WatchCompactedException} when the revision it needs is no longer kept, a
 * {@link TallyException} when a node refuses the watch as malformed, {@link ClusterUnavailableException} when no node
 * accepted it for {@link Watch#giveUpAfter()}, or {@code client-closed} when the client is closed. It never completes
 * otherwise: a watch has no last event.
 */
final class WatchSubscription implements Flow.Subscription, StreamConnection.Owner {

    static final int HIGH_WATER = 1024;
    static final int LOW_WATER = 256;
    /** A stream that brings nothing for this long is dead: the server sends a progress note at least every 10 s. */
    static final int IDLE_SECONDS = 30;
    /** The longest line taken: an event carries a value of at most 8 MiB, in base64. */
    static final int MAX_LINE_BYTES = 16 << 20;

    private final HttpTransport transport;
    private final RequestRunner runner;
    private final Watch watch;
    private final Flow.Subscriber<? super WatchEvent> subscriber;
    private final Executor executor;
    private final Runnable onClientClosed = () -> end(new TallyException(0, "client-closed", "the client was closed"), true);
    private final AtomicInteger wip = new AtomicInteger();

    // Guarded by this.
    /** The first revision not yet received whole; 0 until the start is known. */
    private long nextFrom;
    private final ArrayDeque<WatchEvent> ready = new ArrayDeque<>();
    /** Events of the revision being received, until its id says it is whole. */
    private final List<WatchEvent> partial = new ArrayList<>();
    private long demand;
    private StreamConnection connection;
    private SseDecoder decoder;
    private boolean readingPaused;
    /** No more streams: the end is decided ({@code failure}) or the subscriber cancelled. */
    private boolean ended;
    private Throwable failure;
    /** Signal {@code failure} without delivering the events still queued. */
    private boolean failNow;
    private boolean cancelled;
    private boolean signalled;
    private int endpoint;
    private int failuresInRow;
    /** When the streams began failing without one being accepted since (valid while {@code failuresInRow > 0}). */
    private long failingSince;
    private Throwable lastProblem;

    WatchSubscription(HttpTransport transport, RequestRunner runner, Watch watch, Flow.Subscriber<? super WatchEvent> subscriber) {
        this.transport = transport;
        this.runner = runner;
        this.watch = watch;
        this.subscriber = subscriber;
        this.executor = watch.executor();
        this.nextFrom = watch.from();
        this.endpoint = transport.preferred();
    }

    void start() {
        if (!transport.addStream(onClientClosed)) {
            end(new TallyException(0, "client-closed", "the client is closed"), true);
            return;
        }
        connect();
    }

    // ------------------------------------------------------------------ streams

    private void connect() {
        long from;
        StreamConnection c;
        synchronized (this) {
            if (ended) {
                return;
            }
            from = nextFrom;
            if (from == 0) {
                c = null;
            } else {
                c = new StreamConnection(transport.endpoints().get(endpoint), this, IDLE_SECONDS, "text/event-stream");
                connection = c;
                decoder = new SseDecoder(MAX_LINE_BYTES);
                readingPaused = false;
            }
        }
        if (c == null) {
            resolveStart();
            return;
        }
        // With a user and password, the stream carries a token good for now (fetched or renewed first).
        transport.credentialsReady(System.nanoTime() + transport.settings.timeout().toNanos()).whenComplete((x, e) -> {
            if (e == null) {
                c.open(transport, "/v1/watch?" + watch.query(from));
            } else if (unwrap(e) instanceof AuthenticationException a) {
                end(a, false); // a wrong password does not get better on another node
            } else {
                onEnded(c, unwrap(e));
            }
        });
    }

    /** The first revision of a watch without {@code from}: the applied revision of a node, + 1. */
    private void resolveStart() {
        long deadline = System.nanoTime() + transport.settings.timeout().toNanos();
        runner.run(RequestRunner.Call.read("/v1/status", "", deadline)).whenComplete((r, e) -> {
            Throwable problem = e;
            if (problem == null) {
                try {
                    if (r.status() != 200) {
                        throw Json.error(r);
                    }
                    long applied = Json.status(r).appliedIndex();
                    synchronized (this) {
                        if (nextFrom == 0) {
                            nextFrom = applied + 1;
                        }
                    }
                    connect();
                    return;
                } catch (RuntimeException x) {
                    problem = x;
                }
            }
            failed(unwrap(problem));
        });
    }

    @Override
    public void onOpened(StreamConnection c, io.netty.handler.codec.http.HttpHeaders headers) {
        synchronized (this) {
            if (c != connection) {
                return;
            }
            failuresInRow = 0;
            lastProblem = null;
            if (ready.size() >= HIGH_WATER && !readingPaused) {
                readingPaused = true;
                c.pause();
            }
        }
    }

    /** A 401 was answered by renewing the token; a second 401 in a row ends the watch. */
    private volatile boolean renewedAfterRefusal;

    @Override
    public void onRefused(StreamConnection c, HttpReply reply) {
        TallyException e = Json.watchRefusal(reply);
        int s = reply.status();
        Credentials credentials = transport.credentials();
        if (s == 401 && credentials != null && credentials.renewable() && !renewedAfterRefusal) {
            // The token expired or was revoked while the watch ran: the next stream gets a new one (once in a row).
            renewedAfterRefusal = true;
            credentials.refused(credentials.header());
            synchronized (this) {
                lastProblem = e;
            }
            return;
        }
        if (s == 410 || (s >= 400 && s < 500 && s != 408 && s != 429)) {
            end(e, false); // compacted or malformed: another node answers the same
        } else {
            synchronized (this) {
                lastProblem = e; // a node that cannot serve now (stopping, overloaded): the next one may
            }
        }
    }

    @Override
    public void onData(StreamConnection c, io.netty.buffer.ByteBuf bytes) throws IOException {
        renewedAfterRefusal = false;
        SseDecoder d;
        synchronized (this) {
            if (c != connection) {
                return;
            }
            d = decoder; // touched only on the connection's event loop, from which this is called
        }
        d.feed(bytes, (id, data) -> onEvent(c, id, data));
    }

    private void onEvent(StreamConnection c, String id, byte[] data) throws IOException {
        Json.WatchLine line = Json.watchLine(data);
        boolean deliver = false;
        synchronized (this) {
            if (c != connection || ended) {
                return;
            }
            if (line instanceof Json.Event ev) {
                WatchEvent e = ev.event();
                if (!partial.isEmpty() && partial.get(0).revision() != e.revision()) {
                    throw new IOException("revision " + partial.get(0).revision() + " ended without its id");
                }
                if (e.revision() >= nextFrom) {
                    partial.add(e);
                }
                if (id != null) {
                    long revision = revisionOf(id);
                    if (revision != e.revision()) {
                        throw new IOException("the id " + id + " closes an event of revision " + e.revision());
                    }
                    if (!partial.isEmpty()) {
                        ready.addAll(partial);
                        partial.clear();
                        deliver = true;
                    }
                    nextFrom = Math.max(nextFrom, revision + 1);
                    if (ready.size() >= HIGH_WATER && !readingPaused) {
                        readingPaused = true;
                        c.pause();
                    }
                }
            } else if (line instanceof Json.Progress p) {
                if (partial.isEmpty()) {
                    nextFrom = Math.max(nextFrom, p.revision() + 1);
                }
            } else if (line instanceof Json.StreamError err) {
                ended = true;
                failure = err.error();
                c.close();
                deliver = true;
            }
        }
        if (deliver) {
            drain();
        }
    }

    private static long revisionOf(String id) throws IOException {
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            throw new IOException("an event id that is not a revision: '" + id + "'");
        }
    }

    @Override
    public void onEnded(StreamConnection c, Throwable cause) {
        synchronized (this) {
            if (c != connection) {
                return;
            }
            connection = null;
            partial.clear(); // its revision is asked for again
            if (cause != null) {
                lastProblem = cause;
            } else if (lastProblem == null) {
                lastProblem = new IOException(c.endpoint + " ended the watch");
            }
            if (ended) {
                return;
            }
        }
        failed(null);
    }

    /** A stream (or the status asked for the start) failed: try the next endpoint, pausing after a full round. */
    private void failed(Throwable problem) {
        long pause;
        synchronized (this) {
            if (ended) {
                return;
            }
            if (problem != null) {
                lastProblem = problem;
            }
            long now = System.nanoTime();
            if (failuresInRow++ == 0) {
                failingSince = now;
            }
            if (watch.giveUpAfter() != null && now - failingSince >= watch.giveUpAfter().toNanos()) {
                ended = true;
                failure = new ClusterUnavailableException("no node of " + transport.endpoints() + " served the watch for "
                        + watch.giveUpAfter().toMillis() + " ms" + (lastProblem == null ? "" : " (last: " + message(lastProblem)
                        + ")"), lastProblem);
            } else {
                int size = transport.endpoints().size();
                endpoint = (endpoint + 1) % size;
                pause = failuresInRow % size != 0 ? 0 : transport.settings.retryPolicy().backoffNanos(
                        failuresInRow / size, ThreadLocalRandom.current().nextDouble());
                transport.schedule(this::connect, Math.max(pause, TimeUnit.MILLISECONDS.toNanos(1)));
                return;
            }
        }
        drain();
    }

    private static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    // ------------------------------------------------------------------ the subscriber's side

    @Override
    public void request(long n) {
        if (n <= 0) {
            end(new IllegalArgumentException("request(" + n + "): a subscriber requests a positive number (rule 3.9)"), true);
            return;
        }
        synchronized (this) {
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
        drain();
    }

    @Override
    public void cancel() {
        StreamConnection c;
        synchronized (this) {
            cancelled = true;
            ended = true;
            ready.clear();
            c = connection;
        }
        if (c != null) {
            c.close();
        }
        transport.removeStream(onClientClosed);
    }

    /** Ends the watch with {@code error}: after the events already queued, or at once with {@code now}. */
    private void end(Throwable error, boolean now) {
        StreamConnection c;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            failure = error;
            failNow = now;
            c = connection;
        }
        if (c != null) {
            c.close();
        }
        drain();
    }

    /** Runs the delivery loop on the executor unless it runs already (it then goes round once more). */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        try {
            executor.execute(this::deliver);
        } catch (RejectedExecutionException e) {
            wip.set(0);
            cancel();
        }
    }

    private void deliver() {
        int missed = 1;
        while (true) {
            while (true) {
                WatchEvent e;
                StreamConnection resume = null;
                synchronized (this) {
                    if (cancelled || signalled || (failNow && failure != null) || demand == 0 || ready.isEmpty()) {
                        break;
                    }
                    e = ready.poll();
                    if (demand != Long.MAX_VALUE) {
                        demand--;
                    }
                    if (readingPaused && ready.size() <= LOW_WATER && connection != null) {
                        readingPaused = false;
                        resume = connection;
                    }
                }
                if (resume != null) {
                    resume.resume();
                }
                try {
                    subscriber.onNext(e);
                } catch (RuntimeException x) {
                    cancel(); // rule 2.13: a subscriber that throws has cancelled
                    break;
                }
            }
            Throwable error = null;
            synchronized (this) {
                if (!cancelled && !signalled && failure != null && (failNow || ready.isEmpty())) {
                    signalled = true;
                    error = failure;
                    ready.clear();
                }
            }
            if (error != null) {
                transport.removeStream(onClientClosed);
                subscriber.onError(error);
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }
}
