package io.tally.server;

import io.tally.raft.RaftState;
import io.tally.raft.model.Member;
import io.tally.raft.node.RaftNode;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Serves a request that needs the leader: on this node while it leads, else forwarded to the leader's HTTP address
 * ({@link LeaderForwarder}). While nothing can have happened — no leader known yet, the leader unreachable before
 * anything was sent, refused as not the leader — it tries again every {@value #RETRY_MILLIS} ms on the request's
 * event loop, until the request's deadline; it never blocks or sleeps. A forwarded request is never forwarded again.
 *
 * <p>Outcomes as docs/http-api.md states them: a removed node answers 503 {@code no-leader} at once; a write that was
 * certainly not proposed is 503, one that may be in the log is 504 {@code outcome-unknown} ({@link Exchange#inDoubt()});
 * a forwarded answer carries {@value #LEADER_HEADER} and the leader's {@code Retry-After}.
 */
final class ViaLeader {

    /** On a forwarded answer: the leader's HTTP address, so that clients can go there directly next time. */
    static final String LEADER_HEADER = "X-Tally-Leader";
    static final long RETRY_MILLIS = 25;

    /** The part of a request that runs on the leader; it fails with {@link NotLeaderRetry} when this node no longer leads. */
    @FunctionalInterface
    interface LeaderCall {
        CompletableFuture<Reply> run() throws HttpError, NotLeaderRetry;
    }

    private final RaftNode<?> node;
    private final LeaderForwarder forwarder;

    ViaLeader(RaftNode<?> node, LeaderForwarder forwarder) {
        this.node = node;
        this.forwarder = forwarder;
    }

    /** The reply of {@code local}, run on the leader; {@code isWrite}: the request may change state if sent. */
    CompletableFuture<Reply> serve(Exchange ex, boolean isWrite, LeaderCall local) {
        CompletableFuture<Reply> result = new CompletableFuture<>();
        attempt(new Attempt(ex, isWrite, local, null, result));
        return result;
    }

    /**
     * As {@link #serve}, for a read, but a follower sends the leader {@code GET forwardTarget} (a path and query)
     * instead of the request itself: for a request that needs only something small from the leader (a read point).
     */
    CompletableFuture<Reply> serveAs(Exchange ex, String forwardTarget, LeaderCall local) {
        CompletableFuture<Reply> result = new CompletableFuture<>();
        attempt(new Attempt(ex, false, local, forwardTarget, result));
        return result;
    }

    private record Attempt(Exchange ex, boolean isWrite, LeaderCall local, String forwardTarget,
                           CompletableFuture<Reply> result) {
    }

    private void attempt(Attempt a) {
        Exchange ex = a.ex();
        if (a.result().isDone() || ex.answered()) {
            return; // answered meanwhile (the server shut down, or the client left)
        }
        try {
            if (node.status().removed()) {
                // It may never hear from a leader again: say so at once, so that the client asks another member.
                throw HttpError.noLeader("this node was removed from the cluster; ask one of its members");
            }
            if (node.state() == RaftState.LEADER) {
                runLocally(a);
                return;
            }
            if (!ex.forwarded()) {
                String http = leaderHttp();
                if (http != null) {
                    forward(a, http);
                    return;
                }
            }
            retryLater(a);
        } catch (HttpError e) {
            a.result().completeExceptionally(e);
        }
    }

    private void runLocally(Attempt a) throws HttpError {
        CompletableFuture<Reply> f;
        try {
            f = a.local().run();
        } catch (NotLeaderRetry e) {
            retryLater(a); // lost leadership before proposing: look for the new leader
            return;
        }
        f.whenComplete((reply, failure) -> a.ex().onLoop(() -> {
            if (failure == null) {
                a.result().complete(reply);
            } else if (Exchange.unwrap(failure) instanceof NotLeaderRetry) {
                retryLater(a);
            } else {
                a.result().completeExceptionally(Exchange.unwrap(failure));
            }
        }, a.result()));
    }

    private void forward(Attempt a, String http) {
        Exchange ex = a.ex();
        ex.inDoubt(a.isWrite());
        forwarder.forward(http, ex, a.forwardTarget()).whenComplete((r, failure) -> ex.onLoop(() -> {
            if (failure != null) {
                Throwable cause = Exchange.unwrap(failure);
                if (cause instanceof LeaderForwarder.NotSent) {
                    ex.inDoubt(false); // unreachable: nothing was sent, try again
                    retryLater(a);
                } else if (a.isWrite()) {
                    a.result().completeExceptionally(HttpError.outcomeUnknown(
                            "lost contact with the leader after forwarding the write: " + cause));
                } else {
                    retryLater(a);
                }
                return;
            }
            if (r.status() == 503 && new String(r.body(), StandardCharsets.UTF_8).contains("\"no-leader\"")) {
                ex.inDoubt(false); // the leader did not propose it
                retryLater(a);
                return;
            }
            // The leader's own headers (X-Tally-Index, X-Tally-Version, Retry-After when it is overloaded), and its address.
            Reply reply = new Reply(r.status(), r.contentType(), r.body(), r.headers()).withHeader(LEADER_HEADER, http);
            a.result().complete(reply);
        }, a.result()));
    }

    /** Tries again after {@value #RETRY_MILLIS} ms on the request's event loop, or gives up: forwarded, or past the deadline. */
    private void retryLater(Attempt a) {
        Exchange ex = a.ex();
        if (ex.forwarded() || ex.expired()) {
            String why = ex.forwarded() ? "this node is not the leader" : "no leader within " + ex.timeout.toMillis() + " ms";
            a.result().completeExceptionally(ex.inDoubt() && a.isWrite()
                    ? HttpError.outcomeUnknown("the write was proposed before a leader change and may still apply; " + why)
                    : HttpError.noLeader(why));
            return;
        }
        long delay = Math.min(RETRY_MILLIS, Math.max(1, ex.remaining().toMillis()));
        try {
            ex.loop().schedule(() -> attempt(a), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            a.result().completeExceptionally(HttpError.shuttingDown()); // the server is stopping
        }
    }

    /**
     * The HTTP address of the leader this node knows, from the Raft configuration; null while no leader is known
     * (or the configuration here does not list it yet).
     *
     * @throws HttpError 503 when the leader is a member without an HTTP address (one added through the Raft API
     *                   without it): no node can forward to it until a membership change gives it one
     */
    private String leaderHttp() throws HttpError {
        Optional<String> leader = node.leader();
        Optional<Member> member = leader.flatMap(id -> MemberHttp.member(node, id));
        if (member.isEmpty()) {
            return null;
        }
        return MemberHttp.of(member.get()).orElseThrow(() -> HttpError.noLeader("the leader " + member.get().id()
                + " has no HTTP address in the cluster configuration, so this node cannot forward to it; send the request"
                + " to the leader itself, or give it an address: ./tally add-member " + member.get().id()
                + " RAFT_HOST:PORT HTTP_HOST:PORT"));
    }
}
