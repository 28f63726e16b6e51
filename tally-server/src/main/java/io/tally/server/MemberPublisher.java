package io.tally.server;

import io.tally.kv.KvService;
import io.tally.raft.Membership;
import io.tally.raft.RaftState;
import io.tally.raft.core.ConfigChange;
import io.tally.raft.core.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Makes this node's HTTP address known to the whole cluster: until its member entry in the Raft configuration
 * carries it ({@link MemberHttp}), the node records it with a membership change that keeps its role and adds the
 * metadata — itself when it leads, else through the leader's {@code POST /v1/cluster/members} (the leader publishes
 * first, so followers can find it). Conditional on the configuration it saw ({@code ?cas=}), so it never undoes a
 * concurrent change. Checks every half second.
 */
final class MemberPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MemberPublisher.class);

    private final KvService kv;
    private final String id;
    private final String httpAddress;
    private final LeaderForwarder forwarder;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tally-member-publisher");
        t.setDaemon(true);
        return t;
    });

    MemberPublisher(KvService kv, String id, String httpAddress, LeaderForwarder forwarder) {
        this.kv = kv;
        this.id = id;
        this.httpAddress = httpAddress;
        this.forwarder = forwarder;
        timer.scheduleWithFixedDelay(this::publishIfNeeded, 0, 500, TimeUnit.MILLISECONDS);
    }

    private void publishIfNeeded() {
        try {
            Membership m = kv.node().membership();
            Optional<Member> self = m.configuration().member(id);
            if (self.isEmpty() || m.configuration().isJoint() || httpAddress.equals(self.get().metadata().get(MemberHttp.KEY))) {
                return; // not a member (yet), a change in progress, or already published
            }
            if (kv.node().state() == RaftState.LEADER) {
                kv.node().changeMembership(new ConfigChange.AddMember(self.get().withMetadata(MemberHttp.KEY, httpAddress)),
                        m.index(), Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
                LOG.info("published this node's HTTP address {}", httpAddress);
                return;
            }
            Optional<String> leaderHttp = kv.node().leader().flatMap(l -> MemberHttp.of(m.configuration(), l));
            if (leaderHttp.isPresent()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("id", id);
                body.put("raft", self.get().address());
                body.put("http", httpAddress);
                body.put("voter", self.get().voter());
                LeaderForwarder.Response r = forwarder.forward(leaderHttp.get(), "POST", "/v1/cluster/members",
                        Map.of("cas", Long.toString(m.index()), "timeout", "2s"), Duration.ofSeconds(2),
                        Exchange.JSON.writeValueAsBytes(body), Map.of());
                if (r.status() == 200) {
                    LOG.info("published this node's HTTP address {} through the leader", httpAddress);
                } else {
                    LOG.debug("publishing the HTTP address through the leader: {} {}", r.status(),
                            new String(r.body(), StandardCharsets.UTF_8));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("publishing the HTTP address failed, will retry: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
