package io.tally.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Java client of a Tally cluster's HTTP API. Thread-safe; every operation has a synchronous form and an
 * asynchronous one ({@code ...Async}) returning a {@link CompletableFuture}.
 *
 * <pre>{@code
 * try (TallyClient client = TallyClient.builder().endpoints("127.0.0.1:8001", "127.0.0.1:8002").build()) {
 *     long version = client.put("greeting", "hello".getBytes(UTF_8));
 *     client.get("greeting").ifPresent(kv -> System.out.println(kv.valueAsString()));
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Transport</b>: HTTP/1.1 on Netty, asynchronous from end to end: no thread per call or connection. Each
 *       client keeps a small pool of keep-alive connections per endpoint, pipelining requests on them when every
 *       connection is busy ({@link TallyClientBuilder}). The I/O threads are shared by every client in the JVM: they
 *       start with the first client and stop when the last one is closed. Futures complete on those threads, so
 *       callbacks must not block (use the {@code ...Async} methods in them; a synchronous call there throws
 *       {@link IllegalStateException}, since it would stall every client).</li>
 *   <li><b>Leader tracking</b>: requests go to the node that answered last, or to the leader a forwarding follower
 *       names ({@code X-Tally-Leader}); any node forwards to the leader, and an unreachable, leaderless, stopping or
 *       overloaded node makes the client try the next endpoint, under the {@link RetryPolicy}, until the call's
 *       timeout. Each try has its own timeout, so that a partitioned node cannot use up the call's.</li>
 *   <li><b>Exactly-once writes</b> (Raft thesis §6.3): before its first write the client opens a session through
 *       the log ({@code POST /v1/sessions}, {@link #sessionId()}); every write carries the next sequence number of
 *       that session and keeps it across retries, so a write retried after a lost answer or an outcome-unknown
 *       reply is applied at most once and the retry returns the original result. Writes of one client are
 *       therefore issued one at a time, in call order; {@link #fork()} gives a client with a session of its own on
 *       the same connections, for concurrent writes.</li>
 *   <li><b>Expired sessions</b>: a write the cluster refuses with {@code session-expired} applied nothing, and the
 *       client opens a new session for the next writes. If an earlier try of that write may have applied (it was
 *       sent and no definite answer came back), no session remembers it any more: the write fails with
 *       {@link OutcomeUnknownException}. If no try can have applied, the client retries it on the new session,
 *       unseen by the caller.</li>
 *   <li><b>Errors</b>: {@link ClusterUnavailableException} (not applied), {@link OutcomeUnknownException}
 *       (maybe applied — never silently retried into a duplicate, never reported as a plain failure),
 *       {@link CasFailedException}, and {@link TallyException} for refused requests (bad input).</li>
 * </ul>
 */
public final class TallyClient implements AutoCloseable {

    private final HttpTransport transport;
    private final RequestRunner runner;
    private final WriteSession writes;
    private final Duration timeout;
    private final AtomicBoolean closed = new AtomicBoolean();

    TallyClient(ClientSettings settings) {
        this(new HttpTransport(settings));
    }

    private TallyClient(HttpTransport transport) {
        this.transport = transport;
        this.runner = new RequestRunner(transport);
        this.writes = new WriteSession(runner);
        this.timeout = transport.settings.timeout();
    }

    /**
     * The access model's administration (users, roles, permissions, turning authentication on and off), with this
     * client's connections, credentials and timeout.
     */
    public AuthAdmin auth() {
        checkOpen();
        return new AuthAdmin(runner, timeout, call -> sync(call::get));
    }

    public static TallyClientBuilder builder() {
        return new TallyClientBuilder();
    }

    /** A client of the cluster at these HTTP endpoints ({@code HOST:PORT}), with the builder's defaults. */
    public static TallyClient connect(List<String> endpoints) {
        return builder().endpoints(endpoints).build();
    }

    /** As {@link #connect(List)}, with calls taking at most {@code timeout} unless they say otherwise. */
    public static TallyClient connect(List<String> endpoints, Duration timeout) {
        return builder().endpoints(endpoints).timeout(timeout).build();
    }

    /**
     * A client on this one's connections, settings and leader knowledge, with a write session of its own: its
     * writes are ordered among themselves only, so forks write concurrently. Each fork must be closed; the
     * connections close with the last of the clients that share them.
     */
    public TallyClient fork() {
        checkOpen();
        if (!transport.retain()) {
            throw new IllegalStateException("the client is closed");
        }
        return new TallyClient(transport);
    }

    /**
     * The session this client's writes carry (as {@code Tally-Client-Id}); empty before its first write, and after
     * the cluster said the session expired, until the next write opens a new one.
     */
    public OptionalLong sessionId() {
        return writes.sessionId();
    }

    // ------------------------------------------------------------------ reads

    /** The key's value and version (linearizable), or empty if it does not exist. */
    public Optional<KeyValue> get(String key) {
        return sync(() -> getAsync(key));
    }

    public Optional<KeyValue> get(String key, Consistency consistency, Duration timeout) {
        return sync(() -> getAsync(key, consistency, timeout));
    }

    public CompletableFuture<Optional<KeyValue>> getAsync(String key) {
        return getAsync(key, Consistency.LINEARIZABLE, timeout);
    }

    public CompletableFuture<Optional<KeyValue>> getAsync(String key, Consistency consistency, Duration timeout) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(consistency, "consistency");
        return lookupAsync(key, consistency, timeout).thenApply(Lookup::value);
    }

    /** The key, if it exists, and the revision the answer reflects (linearizable). */
    public Lookup lookup(String key) {
        return sync(() -> lookupAsync(key, Consistency.LINEARIZABLE, timeout));
    }

    public Lookup lookup(String key, Consistency consistency, Duration timeout) {
        return sync(() -> lookupAsync(key, consistency, timeout));
    }

    public CompletableFuture<Lookup> lookupAsync(String key, Consistency consistency, Duration timeout) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(consistency, "consistency");
        return read("/v1/kv/" + encode(key), "consistency=" + consistency.param(), timeout, r -> lookupOf(key, r));
    }

    /**
     * A blocking query (Consul's): answers as soon as the key changes after revision {@code afterRevision}, or when
     * {@code wait} (at most 10 minutes) runs out, with the key as it then is (linearizable). Pass the answer's
     * revision back to wait for the next change.
     */
    public Lookup awaitChange(String key, long afterRevision, Duration wait) {
        return sync(() -> awaitChangeAsync(key, afterRevision, wait));
    }

    public CompletableFuture<Lookup> awaitChangeAsync(String key, long afterRevision, Duration wait) {
        Objects.requireNonNull(key, "key");
        return blocking("/v1/kv/" + encode(key), "consistency=linearizable", afterRevision, wait, r -> lookupOf(key, r));
    }

    private static Lookup lookupOf(String key, HttpReply r) {
        if (r.status() == 404) {
            return new Lookup(key, Optional.empty(), Json.revision(r));
        }
        expect(r, 200);
        KeyValue kv = new KeyValue(key, r.body(), header(r, "X-Tally-Version"), header(r, "X-Tally-Created"),
                header(r, "X-Tally-Lease"));
        return new Lookup(key, Optional.of(kv), Json.revision(r));
    }

    private static long header(HttpReply r, String name) {
        String v = r.header(name);
        try {
            return v == null ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new TallyException(r.status(), "bad-response", "the server's " + name + " is not a number: " + v);
        }
    }

    /** A page of the keys under a prefix, in key order, at one revision ({@code GET /v1/kv?prefix=P}). */
    public Page range(Range range) {
        return sync(() -> rangeAsync(range));
    }

    public CompletableFuture<Page> rangeAsync(Range range) {
        Objects.requireNonNull(range, "range");
        return read("/v1/kv", range.query(), timeoutOf(range), r -> {
            expect(r, 200);
            return Json.page(r);
        });
    }

    /**
     * A blocking range read: answers as soon as anything under the range's prefix changes after revision
     * {@code afterRevision}, or when {@code wait} (at most 10 minutes) runs out, with the page as it then is.
     */
    public Page awaitChange(Range range, long afterRevision, Duration wait) {
        return sync(() -> awaitChangeAsync(range, afterRevision, wait));
    }

    public CompletableFuture<Page> awaitChangeAsync(Range range, long afterRevision, Duration wait) {
        Objects.requireNonNull(range, "range");
        return blocking("/v1/kv", range.query(), afterRevision, wait, r -> {
            expect(r, 200);
            return Json.page(r);
        });
    }

    /** How many keys {@code prefix} holds (linearizable). */
    public Count count(String prefix) {
        return sync(() -> countAsync(prefix, Consistency.LINEARIZABLE, timeout));
    }

    public CompletableFuture<Count> countAsync(String prefix, Consistency consistency, Duration timeout) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(consistency, "consistency");
        return read("/v1/kv", "prefix=" + encodeParam(prefix) + "&count=true&consistency=" + consistency.param(), timeout, r -> {
            expect(r, 200);
            return Json.count(r);
        });
    }

    private <T> CompletableFuture<T> blocking(String path, String query, long afterRevision, Duration wait,
                                              Function<HttpReply, T> answer) {
        Objects.requireNonNull(wait, "wait");
        if (afterRevision < 0) {
            throw new IllegalArgumentException("afterRevision must be >= 0, not " + afterRevision);
        }
        if (wait.isNegative() || wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("wait must be between 1 ms and 10 minutes, not " + wait);
        }
        checkOpen();
        long now = System.nanoTime();
        long waitUntil = now + wait.toNanos();
        return runner.run(RequestRunner.Call.blockingRead(path, query + "&index=" + afterRevision, waitUntil + timeout.toNanos(),
                waitUntil)).thenApply(answer);
    }

    /** The longest wait of a blocking query. */
    public static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private Duration timeoutOf(Range range) {
        return range.timeout() != null ? range.timeout() : timeout;
    }

    /** Up to {@code limit} keys starting with {@code prefix}, in key order (linearizable). */
    public List<KeyValue> scan(String prefix, int limit) {
        return sync(() -> scanAsync(prefix, limit));
    }

    public List<KeyValue> scan(String prefix, int limit, Consistency consistency, Duration timeout) {
        return sync(() -> scanAsync(prefix, limit, consistency, timeout));
    }

    public CompletableFuture<List<KeyValue>> scanAsync(String prefix, int limit) {
        return scanAsync(prefix, limit, Consistency.LINEARIZABLE, timeout);
    }

    public CompletableFuture<List<KeyValue>> scanAsync(String prefix, int limit, Consistency consistency, Duration timeout) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(consistency, "consistency");
        String query = "prefix=" + encodeParam(prefix) + "&limit=" + limit
                + "&consistency=" + consistency.param();
        return read("/v1/kv", query, timeout, r -> {
            expect(r, 200);
            return Json.items(r);
        });
    }

    /** The answering node's view of itself ({@code GET /v1/status}). */
    public NodeStatus status() {
        return sync(() -> statusAsync());
    }

    public CompletableFuture<NodeStatus> statusAsync() {
        return statusAsync(timeout);
    }

    public CompletableFuture<NodeStatus> statusAsync(Duration timeout) {
        return read("/v1/status", "", timeout, r -> {
            expect(r, 200);
            return Json.status(r);
        });
    }

    private <T> CompletableFuture<T> read(String path, String query, Duration timeout, Function<HttpReply, T> answer) {
        checkOpen();
        return runner.run(RequestRunner.Call.read(path, query, deadline(timeout))).thenApply(answer);
    }

    // ------------------------------------------------------------------ writes

    /** Sets the value; returns the key's new version. */
    public long put(String key, byte[] value) {
        return sync(() -> putAsync(key, value));
    }

    /** Sets the value only if the key's version is {@code expectedVersion} (0: the key must not exist). */
    public long put(String key, byte[] value, long expectedVersion) {
        return sync(() -> putAsync(key, value, expectedVersion, timeout));
    }

    /** A put with its own timeout; {@code expectedVersion} -1 means unconditional. */
    public long put(String key, byte[] value, long expectedVersion, Duration timeout) {
        return sync(() -> putAsync(key, value, expectedVersion, timeout));
    }

    public CompletableFuture<Long> putAsync(String key, byte[] value) {
        return putAsync(key, value, -1, timeout);
    }

    public CompletableFuture<Long> putAsync(String key, byte[] value, long expectedVersion, Duration timeout) {
        return putAsync(key, value, expectedVersion, 0, timeout);
    }

    /** Sets the value and attaches the key to the lease: the key goes when the lease ends. Returns its version. */
    public long put(String key, byte[] value, Lease lease) {
        Objects.requireNonNull(lease, "lease");
        return sync(() -> putAsync(key, value, -1, lease.id(), timeout));
    }

    /**
     * The general put: {@code expectedVersion} -1 means unconditional, {@code leaseId} 0 means no lease. A lease the
     * cluster does not hold fails it with {@link LeaseNotFoundException}, and nothing is applied. Returns the version.
     */
    public long put(String key, byte[] value, long expectedVersion, long leaseId, Duration timeout) {
        return sync(() -> putAsync(key, value, expectedVersion, leaseId, timeout));
    }

    public CompletableFuture<Long> putAsync(String key, byte[] value, long expectedVersion, long leaseId, Duration timeout) {
        Objects.requireNonNull(value, "value");
        if (leaseId < 0) {
            throw new IllegalArgumentException("a lease id is positive (0: none), not " + leaseId);
        }
        String query = cas(expectedVersion);
        if (leaseId > 0) {
            query = (query.isEmpty() ? "" : query + "&") + "lease=" + leaseId;
        }
        return write("PUT", key, query, value, timeout).thenApply(Json::version);
    }

    /** Appends to the value (creating the key if absent); returns the new version. */
    public long append(String key, byte[] value) {
        return sync(() -> appendAsync(key, value));
    }

    public long append(String key, byte[] value, Duration timeout) {
        return sync(() -> appendAsync(key, value, timeout));
    }

    public CompletableFuture<Long> appendAsync(String key, byte[] value) {
        return appendAsync(key, value, timeout);
    }

    public CompletableFuture<Long> appendAsync(String key, byte[] value, Duration timeout) {
        Objects.requireNonNull(value, "value");
        return write("POST", key, "append", value, timeout).thenApply(Json::version);
    }

    /** Deletes the key; returns whether it existed. */
    public boolean delete(String key) {
        return sync(() -> deleteAsync(key));
    }

    public boolean delete(String key, long expectedVersion) {
        return sync(() -> deleteAsync(key, expectedVersion, timeout));
    }

    /** A delete with its own timeout; {@code expectedVersion} -1 means unconditional. */
    public boolean delete(String key, long expectedVersion, Duration timeout) {
        return sync(() -> deleteAsync(key, expectedVersion, timeout));
    }

    public CompletableFuture<Boolean> deleteAsync(String key) {
        return deleteAsync(key, -1, timeout);
    }

    public CompletableFuture<Boolean> deleteAsync(String key, long expectedVersion, Duration timeout) {
        return write("DELETE", key, cas(expectedVersion), null, timeout).thenApply(Json::deleted);
    }

    /**
     * Deletes every key under {@code prefix} at one revision ({@code DELETE /v1/kv?prefix=P}). The empty prefix is
     * refused here: {@link #deleteAll()} says so explicitly.
     */
    public RangeDeleted deletePrefix(String prefix) {
        return sync(() -> deletePrefixAsync(prefix, timeout));
    }

    public CompletableFuture<RangeDeleted> deletePrefixAsync(String prefix, Duration timeout) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("the empty prefix deletes every key: call deleteAll() for that");
        }
        return deleteRange("prefix=" + encodeParam(prefix), timeout);
    }

    /** Deletes every key, at one revision. */
    public RangeDeleted deleteAll() {
        return sync(() -> deleteRange("prefix=&all=true", timeout));
    }

    private CompletableFuture<RangeDeleted> deleteRange(String query, Duration timeout) {
        checkOpen();
        return writes.write("DELETE", "/v1/kv", query, null, deadline(timeout)).thenApply(r -> {
            expect(r, 200);
            return Json.rangeDeleted(r);
        });
    }

    /** Runs a transaction ({@code POST /v1/txn}) exactly once, like every write of this client. */
    public TxnResult txn(Txn txn) {
        return sync(() -> txnAsync(txn, timeout));
    }

    public CompletableFuture<TxnResult> txnAsync(Txn txn, Duration timeout) {
        Objects.requireNonNull(txn, "txn");
        checkOpen();
        return writes.write("POST", "/v1/txn", "", txn.toJson(), deadline(timeout)).thenApply(r -> {
            expect(r, 200);
            return Json.txnResult(r);
        });
    }

    // ------------------------------------------------------------------ leases

    /** Grants a lease of {@code ttl} (the cluster raises a TTL below its minimum); nothing keeps it alive. */
    public LeaseGrant grantLease(Duration ttl) {
        return sync(() -> grantLeaseAsync(ttl, timeout));
    }

    public CompletableFuture<LeaseGrant> grantLeaseAsync(Duration ttl, Duration timeout) {
        byte[] body = Json.write(Map.of("ttl", formatTtl(ttl)));
        checkOpen();
        return writes.write("POST", "/v1/leases", "", body, deadline(timeout)).thenApply(r -> {
            expect(r, 200);
            return Json.leaseGrant(r);
        });
    }

    /** Grants a lease of {@code ttl} and keeps it alive in the background until the handle is closed. */
    public Lease newLease(Duration ttl) {
        long sent = System.nanoTime();
        LeaseGrant g = grantLease(ttl);
        Lease lease = new Lease(this, transport, g.id(), g.ttl(), sent + g.ttl().toNanos());
        lease.start(false);
        return lease;
    }

    /** Keeps an existing lease alive in the background, starting now, until the handle is closed. */
    public Lease keepAlive(long leaseId) {
        checkLeaseId(leaseId);
        checkOpen();
        long sent = System.nanoTime();
        Duration ttl = keepAliveOnce(leaseId);
        Lease lease = new Lease(this, transport, leaseId, ttl, sent + ttl.toNanos());
        lease.start(false);
        return lease;
    }

    /** Renews the lease for its full TTL once; returns the TTL. {@link LeaseNotFoundException} if it is gone. */
    public Duration keepAliveOnce(long leaseId) {
        return sync(() -> keepAliveOnceAsync(leaseId, timeout));
    }

    public CompletableFuture<Duration> keepAliveOnceAsync(long leaseId, Duration timeout) {
        checkLeaseId(leaseId);
        checkOpen();
        // Not a write: renewing twice is renewing. The leader alone answers, by its own clock.
        return runner.run(new RequestRunner.Call("POST", "/v1/leases/" + leaseId + "/keepalive", "", null, false, 0, 0,
                deadline(timeout), false)).thenApply(r -> {
                    expect(r, 200);
                    return Json.leaseTtl(r);
                });
    }

    /** The lease as the leader sees it: TTL, time remaining, keys. {@link LeaseNotFoundException} if it is gone. */
    public LeaseStatus leaseStatus(long leaseId) {
        return sync(() -> leaseStatusAsync(leaseId, timeout));
    }

    public CompletableFuture<LeaseStatus> leaseStatusAsync(long leaseId, Duration timeout) {
        checkLeaseId(leaseId);
        return read("/v1/leases/" + leaseId, "", timeout, r -> {
            expect(r, 200);
            return Json.leaseStatus(r);
        });
    }

    /** Revokes the lease, deleting its keys at one revision. {@link LeaseNotFoundException} if it is gone. */
    public LeaseRevoked revokeLease(long leaseId) {
        return sync(() -> revokeLeaseAsync(leaseId, timeout));
    }

    public CompletableFuture<LeaseRevoked> revokeLeaseAsync(long leaseId, Duration timeout) {
        checkLeaseId(leaseId);
        checkOpen();
        return writes.write("DELETE", "/v1/leases/" + leaseId, "", null, deadline(timeout)).thenApply(r -> {
            expect(r, 200);
            return Json.leaseRevoked(leaseId, r);
        });
    }

    private static void checkLeaseId(long leaseId) {
        if (leaseId < 1) {
            throw new IllegalArgumentException("a lease id is positive, not " + leaseId);
        }
    }

    /** A TTL as the server reads it: whole hours, minutes, seconds or milliseconds (rounded up to a millisecond). */
    static String formatTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a lease's TTL must be positive, not " + ttl);
        }
        long ms = ttl.toMillis() + (ttl.toNanos() % 1_000_000 == 0 ? 0 : 1);
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 || ms > 999_999_999) {
            return (ms + 999) / 1000 + "s";
        }
        return ms + "ms";
    }

    // ------------------------------------------------------------------ backups

    /**
     * Streams a backup of the store ({@code GET /v1/snapshot}: a consistent point-in-time snapshot, every write
     * acknowledged before the call included, with its revision and a SHA-256 checksum) into {@code out}; returns the
     * bytes written. {@code out} is written from the client's I/O thread as the bytes arrive: give it a file or a
     * buffer. Verify the result before relying on it ({@code ./tally snapshot status FILE}): a node that fails midway
     * ends the body early, which only the checksum reveals. {@code timeout} bounds the wait for the first byte.
     */
    public long backup(java.io.OutputStream out, Duration timeout) {
        return sync(() -> backupAsync(out, timeout));
    }

    public CompletableFuture<Long> backupAsync(java.io.OutputStream out, Duration timeout) {
        Objects.requireNonNull(out, "out");
        checkOpen();
        return new BackupDownload(transport, out, deadline(timeout)).start();
    }

    // ------------------------------------------------------------------ watches

    /**
     * The events of a key or prefix as a {@link java.util.concurrent.Flow.Publisher}: each subscription is a watch
     * stream of its own that delivers every event from the watch's revision on exactly once, in revision order, as
     * the subscriber requests them, resuming on another node (from the first revision it has not received whole) when
     * the serving node fails or the connection drops. It ends only with {@code onError}:
     * {@link WatchCompactedException} when the revision it needs is no longer kept, {@link TallyException} for a
     * malformed watch, {@link ClusterUnavailableException} after {@link Watch#giveUpAfter()}, or when the client is
     * closed. See {@link Watch} for the options.
     */
    public java.util.concurrent.Flow.Publisher<WatchEvent> watch(Watch watch) {
        Objects.requireNonNull(watch, "watch");
        checkOpen();
        return new WatchPublisher(transport, runner, watch);
    }

    private CompletableFuture<HttpReply> write(String method, String key, String query, byte[] body, Duration timeout) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        return writes.write(method, "/v1/kv/" + encode(key), query, body, deadline(timeout)).thenApply(r -> {
            if (r.status() == 409 && "cas-failed".equals(Json.code(r))) {
                long current = Json.version(r);
                throw new CasFailedException(current, "compare-and-set failed on '" + key + "': its version is " + current);
            }
            expect(r, 200);
            return r;
        });
    }

    private static String cas(long expectedVersion) {
        return expectedVersion >= 0 ? "cas=" + expectedVersion : "";
    }

    // ------------------------------------------------------------------ cluster administration

    /** The membership in force on the leader ({@code GET /v1/cluster/members}). */
    public Membership members() {
        return sync(() -> membersAsync());
    }

    public CompletableFuture<Membership> membersAsync() {
        return read("/v1/cluster/members", "", timeout, r -> {
            expect(r, 200);
            return Json.membership(r);
        });
    }

    /**
     * Adds a member (a voter joins as a non-voter and is promoted once caught up) or changes an existing member's
     * role or addresses; returns the new membership. Not retried once sent: a lost answer is an
     * {@link OutcomeUnknownException}.
     */
    public Membership addMember(String id, String raftAddress, String httpAddress, boolean voter, Duration timeout) {
        return sync(() -> addMemberAsync(id, raftAddress, httpAddress, voter, timeout));
    }

    public CompletableFuture<Membership> addMemberAsync(String id, String raftAddress, String httpAddress, boolean voter,
                                                        Duration timeout) {
        return admin("POST", "/v1/cluster/members", memberBody(id, raftAddress, httpAddress, voter, false), timeout)
                .thenApply(Json::membership);
    }

    /**
     * As {@link #addMember}, asked by the member itself, which starts with empty state ({@code ./tally server --join}):
     * the cluster refuses it with 409 {@code member-exists} if {@code id} is already a voter, since a voter that lost
     * its state must not come back under its old id.
     */
    public Membership join(String id, String raftAddress, String httpAddress, boolean voter, Duration timeout) {
        return sync(() -> joinAsync(id, raftAddress, httpAddress, voter, timeout));
    }

    public CompletableFuture<Membership> joinAsync(String id, String raftAddress, String httpAddress, boolean voter,
                                                   Duration timeout) {
        return admin("POST", "/v1/cluster/members", memberBody(id, raftAddress, httpAddress, voter, true), timeout)
                .thenApply(Json::membership);
    }

    /** Removes a member (the leader too: it steps down once the change commits); returns the new membership. */
    public Membership removeMember(String id, Duration timeout) {
        return sync(() -> removeMemberAsync(id, timeout));
    }

    public CompletableFuture<Membership> removeMemberAsync(String id, Duration timeout) {
        Objects.requireNonNull(id, "id");
        return admin("DELETE", "/v1/cluster/members/" + encode(id), null, timeout).thenApply(Json::membership);
    }

    /** Hands leadership to {@code target}, or to the most up-to-date voter when null; returns the new leader. */
    public LeaderInfo transferLeader(String target, Duration timeout) {
        return sync(() -> transferLeaderAsync(target, timeout));
    }

    public CompletableFuture<LeaderInfo> transferLeaderAsync(String target, Duration timeout) {
        Map<String, Object> body = target == null ? Map.of() : Map.of("id", target);
        return admin("POST", "/v1/cluster/leader", Json.write(body), timeout).thenApply(Json::leader);
    }

    private static byte[] memberBody(String id, String raftAddress, String httpAddress, boolean voter, boolean join) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", Objects.requireNonNull(id, "id"));
        body.put("raft", Objects.requireNonNull(raftAddress, "raftAddress"));
        body.put("http", Objects.requireNonNull(httpAddress, "httpAddress"));
        body.put("voter", voter);
        if (join) {
            body.put("join", true);
        }
        return Json.write(body);
    }

    private CompletableFuture<HttpReply> admin(String method, String path, byte[] body, Duration timeout) {
        checkOpen();
        return runner.run(new RequestRunner.Call(method, path, "", body, true, 0, 0, deadline(timeout), true))
                .thenApply(r -> {
                    expect(r, 200);
                    return r;
                });
    }

    // ------------------------------------------------------------------ helpers

    private static long deadline(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return System.nanoTime() + timeout.toNanos();
    }

    private static String encode(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A query parameter's value, encoded. */
    static String encodeParam(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void expect(HttpReply r, int status) {
        if (r.status() != status) {
            throw Json.error(r);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the client is closed");
        }
    }

    /** Runs an async call and waits for it; refused on the client's own I/O threads, before anything is sent. */
    private <T> T sync(Supplier<CompletableFuture<T>> call) {
        if (transport.inEventLoop()) {
            throw new IllegalStateException("a synchronous TallyClient call on the client's own I/O thread (in a "
                    + "callback of an ...Async call) would stall every client; use the ...Async form there");
        }
        try {
            return call.get().join();
        } catch (CompletionException e) {
            Throwable c = WriteSession.unwrap(e);
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new TallyException(0, "client-error", c.toString(), c);
        }
    }

    /**
     * Closes this client. Its connections close with the last client that shares them ({@link #fork()}); calls still
     * in progress then fail: with {@link OutcomeUnknownException} for a write that may have applied.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            transport.release();
        }
    }

    /** Parses {@code HOST:PORT,HOST:PORT,...}. */
    public static List<String> parseEndpoints(String list) {
        List<String> out = new ArrayList<>();
        for (String e : list.split(",")) {
            out.add(checkEndpoint(e.trim()));
        }
        return out;
    }

    static String checkEndpoint(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || colon == endpoint.length() - 1) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' is not HOST:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(endpoint.substring(colon + 1));
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' has a port out of range");
        }
        return endpoint;
    }
}
