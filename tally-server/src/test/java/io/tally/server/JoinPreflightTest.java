package io.tally.server;

import io.tally.client.ClusterMember;
import io.tally.client.Membership;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which ids an empty node may join under, given the cluster's {@code GET /v1/cluster/members} answer. */
class JoinPreflightTest {

    private static ClusterMember member(String id, int port, boolean voter) {
        return new ClusterMember(id, "h:" + port, Optional.of("h:" + (port + 1)), voter);
    }

    private static final Membership PLAIN = new Membership(7, Optional.of("n1"), false,
            List.of(member("n1", 1, true), member("n2", 3, true), member("n3", 5, false)), List.of());

    @Test
    void aVoterIsRefusedWithWhatToDo() throws Exception {
        Optional<String> refusal = JoinPreflight.refusal("n2", PLAIN);
        assertTrue(refusal.isPresent());
        String m = refusal.get();
        assertTrue(m.startsWith("n2 is a voter of the cluster (configuration index 7)"), m);
        assertTrue(m.contains("./tally remove-member n2") && m.contains("join under a new id"), m);
    }

    @Test
    void aNonVoterOrANonMemberMayJoin() throws Exception {
        assertEquals(Optional.empty(), JoinPreflight.refusal("n3", PLAIN), "a non-voter never counted toward a quorum");
        assertEquals(Optional.empty(), JoinPreflight.refusal("n4", PLAIN));
    }

    @Test
    void aVoterOfEitherHalfOfAJointConfigurationIsRefused() throws Exception {
        // n2 is being removed: the joint configuration lists it only among the outgoing voters; n4 is being added.
        Membership joint = new Membership(9, Optional.of("n1"), true, List.of(member("n1", 1, true), member("n4", 7, true)),
                List.of("n1", "n2"));
        assertTrue(JoinPreflight.refusal("n2", joint).isPresent(), "outgoing voter");
        assertTrue(JoinPreflight.refusal("n4", joint).isPresent(), "incoming voter");
        assertEquals(Optional.empty(), JoinPreflight.refusal("n5", joint));
    }

    @Test
    void unusableTlsFilesStopTheJoinAtOnceInsteadOfRetrying(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path garbage = java.nio.file.Files.writeString(dir.resolve("node.pem"), "not a PEM file\n");
        SecurityOptions tls = new SecurityOptions(garbage, garbage, null, null, null, null, null,
                SecurityOptions.DEFAULT_TOKEN_TTL);
        TallyNode.DataDirectoryException e = org.junit.jupiter.api.Assertions.assertThrows(
                TallyNode.DataDirectoryException.class, () -> JoinPreflight.check("n4", List.of("127.0.0.1:1"), tls));
        assertTrue(e.getMessage().contains("cannot ask the cluster at [127.0.0.1:1]"), e.getMessage());
    }
}
