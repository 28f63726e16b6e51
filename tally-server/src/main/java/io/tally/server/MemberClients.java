package io.tally.server;

import io.tally.client.TallyClient;
import io.tally.client.TallyClientBuilder;

import java.time.Duration;
import java.util.List;

/**
 * The client a node uses to talk to the other members' HTTP ports before and while it joins ({@link JoinPreflight},
 * {@link Joiner}): with {@code --tls-cert} the members' ports speak only TLS, so the client dials {@code https://},
 * trusts {@code --tls-ca} (the JDK's CAs without it) and presents this node's own certificate, as the node does when
 * it forwards a request to the leader.
 */
final class MemberClients {

    private MemberClients() {
    }

    static TallyClient connect(List<String> endpoints, Duration timeout, SecurityOptions security) {
        if (!security.httpTls()) {
            return TallyClient.connect(endpoints, timeout);
        }
        TallyClientBuilder b = TallyClient.builder()
                .endpoints(endpoints.stream().map(e -> e.contains("://") ? e : "https://" + e).toList())
                .timeout(timeout)
                .clientCertificate(security.tlsCert(), security.tlsKey());
        if (security.tlsCa() != null) {
            b.trustedCertificates(security.tlsCa());
        }
        return b.build();
    }
}
