package io.tally.server;

import io.tally.kv.KvService;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/sessions}: opens a client session through the log (Raft thesis §6.3); its id is the Raft index of
 * the registration. An outcome-unknown registration at worst leaves an unused session, which expires.
 */
final class SessionsHandler implements Handler {

    private final KvService kv;
    private final ViaLeader via;

    SessionsHandler(KvService kv, ViaLeader via) {
        this.kv = kv;
        this.via = via;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) {
        return via.serve(ex, true, () -> {
            ex.inDoubt(true); // from here on the registration may be in the log
            return ex.then(kv.openSession(ex.remaining(), ex.user()), Outcomes.GRACE_MILLIS, (id, failure) -> {
                if (failure != null) {
                    throw Outcomes.ofWrite(ex, failure, "the session registration");
                }
                return Reply.json(200, Map.of("session", Long.toString(id)));
            });
        });
    }
}
