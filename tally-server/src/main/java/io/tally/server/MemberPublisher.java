package io.tally.server;

import io.tally.kv.KvCommand;
import io.tally.kv.KvService;
import io.tally.raft.RaftState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Makes this node's HTTP address known to the whole cluster: until the replicated directory
 * ({@link io.tally.kv.KvStateMachine#memberHttp()}) holds it, the node writes it through the log — itself when
 * it leads, else through the leader's HTTP API (which the leader publishes first, so followers can find it).
 * Checks every half second; stops writing once the directory is right.
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
            if (httpAddress.equals(kv.store().memberHttp().get(id))) {
                return;
            }
            if (kv.node().state() == RaftState.LEADER) {
                kv.write(KvCommand.member(id, httpAddress), Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
                LOG.info("published this node's HTTP address {}", httpAddress);
                return;
            }
            Optional<String> leaderHttp = kv.node().leader().map(l -> kv.store().memberHttp().get(l));
            if (leaderHttp.isPresent()) {
                LeaderForwarder.Response r = forwarder.forward(leaderHttp.get(), "PUT", "/v1/internal/members/" + id, Map.of(),
                        Duration.ofSeconds(2), httpAddress.getBytes(StandardCharsets.UTF_8), Map.of());
                if (r.status() == 200) {
                    LOG.info("published this node's HTTP address {} through the leader", httpAddress);
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
