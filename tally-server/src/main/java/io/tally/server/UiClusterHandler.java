package io.tally.server;

import io.tally.raft.model.Configuration;
import io.tally.raft.model.Member;
import io.tally.raft.node.NodeStatus;
import io.tally.raft.node.RaftNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /v1/ui/cluster?history=S&events=E}: the whole cluster as this node can see it, for the status page
 * (docs/http-api.md). It asks every member of its configuration for {@code /v1/ui/node} at once, over the forwarder's
 * pooled connections (asynchronously, with a short timeout each), answers for itself without a request, and marks a
 * member that did not answer in time {@code unreachable}. A follower therefore shows every member's role, term and
 * indexes. Each member's replication lag comes from the leader's answer (its last log index minus the member's match
 * index), so it is known only while the leader answers.
 */
final class UiClusterHandler implements Handler {

    static final String PATH = "/v1/ui/cluster";
    /** How long a member may take to answer (less if the request has less time left). */
    static final long MEMBER_TIMEOUT_MILLIS = 1000;

    private final RaftNode<?> node;
    private final UiNodeHandler self;
    private final LeaderForwarder forwarder;
    /** When this node last had an answer from each member (System.nanoTime()). */
    private final Map<String, Long> lastContact = new ConcurrentHashMap<>();

    UiClusterHandler(RaftNode<?> node, UiNodeHandler self, LeaderForwarder forwarder) {
        this.node = node;
        this.self = self;
        this.forwarder = forwarder;
    }

    /** One member as gathered: its answer ({@code view}) or why there is none ({@code error}). */
    private record Gathered(Member member, MemberView view, String error) {
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        int history = UiNodeHandler.samplesParam(ex);
        int events = UiNodeHandler.eventsParam(ex);
        long timeout = Math.max(1, Math.min(MEMBER_TIMEOUT_MILLIS, ex.remaining().toMillis()));
        String target = UiNodeHandler.PATH + "?history=" + history + "&events=" + events;
        // /v1/ui/node is open: the caller's credentials are not sent on to the members (Basic ones would be copied
        // to every member on every refresh, in clear text without TLS).
        String authorization = null;
        List<CompletableFuture<Gathered>> asks = new ArrayList<>();
        for (Member m : members(node.status())) {
            asks.add(ask(m, history, events, target, timeout, authorization, ex));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new));
        return ex.then(all, Outcomes.GRACE_MILLIS, (done, failure) -> {
            if (failure != null) {
                throw failure instanceof Exception e ? e : new IllegalStateException(failure);
            }
            List<Gathered> gathered = asks.stream().map(CompletableFuture::join).toList();
            return Reply.json(200, describe(gathered));
        });
    }

    /**
     * The members to show: those of the configuration in force and of the committed one (a member being added or
     * removed is in one of them), and this node itself even when it is no longer a member (it then says
     * {@code removed}).
     */
    private List<Member> members(NodeStatus s) {
        Map<String, Member> byId = new LinkedHashMap<>();
        for (Configuration c : List.of(s.configuration(), s.committedConfiguration())) {
            for (Member m : c.members()) {
                byId.putIfAbsent(m.id(), m);
            }
        }
        byId.putIfAbsent(node.id(), new Member(node.id(), "", false, Map.of()));
        return new ArrayList<>(byId.values());
    }

    private CompletableFuture<Gathered> ask(Member m, int history, int events, String target, long timeout,
                                            String authorization, Exchange ex) {
        if (m.id().equals(node.id())) {
            return self.describe(history, events, ex.loop()).thenApply(body -> {
                lastContact.put(m.id(), System.nanoTime());
                return new Gathered(m, MemberView.of(body), null);
            });
        }
        Optional<String> http = MemberHttp.of(m);
        if (http.isEmpty()) {
            return CompletableFuture.completedFuture(new Gathered(m, null, "no HTTP address in the configuration"));
        }
        return forwarder.fetch(http.get(), target, timeout, authorization).handle((r, failure) -> {
            if (failure != null) {
                Throwable t = Exchange.unwrap(failure);
                Throwable cause = t instanceof LeaderForwarder.NotSent && t.getCause() != null ? t.getCause() : t;
                return new Gathered(m, null, cause.getMessage() == null ? cause.toString() : cause.getMessage());
            }
            if (r.status() != 200) {
                return new Gathered(m, null, "answered " + r.status() + ": " + new String(r.body(),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            try {
                MemberView view = MemberView.parse(r.body());
                if (!m.id().equals(view.id())) {
                    return new Gathered(m, null, "the node at " + http.get() + " is " + view.id() + ", not " + m.id());
                }
                lastContact.put(m.id(), System.nanoTime());
                return new Gathered(m, view, null);
            } catch (IOException e) {
                return new Gathered(m, null, "malformed answer: " + e.getMessage());
            }
        });
    }

    /** {@code {"node", "time", "leader", "term", "members": [...]}}; see docs/http-api.md. */
    private Map<String, Object> describe(List<Gathered> gathered) {
        // The leader: among the members that answered, the one that says it leads in the highest term.
        MemberView leader = null;
        long maxTerm = node.term();
        for (Gathered g : gathered) {
            if (g.view() == null) {
                continue;
            }
            long term = g.view().termOrZero();
            maxTerm = Math.max(maxTerm, term);
            if ("leader".equals(g.view().state()) && (leader == null || term > leader.termOrZero())) {
                leader = g.view();
            }
        }
        long now = System.nanoTime();
        List<Map<String, Object>> members = new ArrayList<>();
        for (Gathered g : gathered) {
            Map<String, Object> m = new LinkedHashMap<>();
            MemberView v = g.view();
            m.put("id", g.member().id());
            m.put("http", MemberHttp.of(g.member()).orElse(null));
            m.put("voter", g.member().voter());
            m.put("role", v == null ? "unreachable" : v.state());
            m.put("reachable", v != null);
            m.put("error", g.error());
            Long seen = lastContact.get(g.member().id());
            boolean self = g.member().id().equals(node.id());
            m.put("lastContactMs", self ? Long.valueOf(0) : seen == null ? null : (now - seen) / 1_000_000);
            m.put("lag", lag(g, leader));
            if (v != null) {
                m.put("stale", "leader".equals(v.state()) && v.termOrZero() < maxTerm);
                m.put("term", v.term());
                m.put("leader", v.leader());
                m.put("commitIndex", v.commitIndex());
                m.put("appliedIndex", v.appliedIndex());
                m.put("lastLogIndex", v.lastLogIndex());
                m.put("configurationIndex", v.configurationIndex());
                m.put("started", v.started());
                m.put("time", v.time());
                m.put("eventSeq", v.eventSeq());
                m.put("samples", v.samples()); // verbatim, as the member encoded them
                m.put("events", v.events());
            }
            members.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node.id());
        body.put("time", System.currentTimeMillis());
        body.put("leader", leader == null ? null : leader.id());
        body.put("term", maxTerm);
        body.put("members", members);
        return body;
    }

    /** Entries the member's log lags the leader's, from the leader's progress; null when not known. */
    private static Long lag(Gathered g, MemberView leader) {
        if (leader == null) {
            return null;
        }
        String id = g.member().id();
        if (id.equals(leader.id())) {
            return 0L;
        }
        Long match = leader.progress() == null ? null : leader.progress().get(id);
        if (match == null || leader.lastLogIndex() == null) {
            return null;
        }
        return Math.max(0, leader.lastLogIndex() - match);
    }
}
