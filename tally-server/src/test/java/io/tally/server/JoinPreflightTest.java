package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which ids an empty node may join under, given the cluster's {@code GET /v1/cluster/members} answer. */
class JoinPreflightTest {

    private static JsonNode membership(String json) throws Exception {
        return Exchange.JSON.readTree(json.replace('\'', '"'));
    }

    private static final String PLAIN = "{'index': 7, 'leader': 'n1', 'joint': false, 'members': ["
            + "{'id': 'n1', 'raft': 'h:1', 'http': 'h:2', 'voter': true},"
            + "{'id': 'n2', 'raft': 'h:3', 'http': 'h:4', 'voter': true},"
            + "{'id': 'n3', 'raft': 'h:5', 'http': 'h:6', 'voter': false}]}";

    @Test
    void aVoterIsRefusedWithWhatToDo() throws Exception {
        Optional<String> refusal = JoinPreflight.refusal("n2", membership(PLAIN));
        assertTrue(refusal.isPresent());
        String m = refusal.get();
        assertTrue(m.startsWith("n2 is a voter of the cluster (configuration index 7)"), m);
        assertTrue(m.contains("./tally remove-member n2") && m.contains("join under a new id"), m);
    }

    @Test
    void aNonVoterOrANonMemberMayJoin() throws Exception {
        assertEquals(Optional.empty(), JoinPreflight.refusal("n3", membership(PLAIN)), "a non-voter never counted toward a quorum");
        assertEquals(Optional.empty(), JoinPreflight.refusal("n4", membership(PLAIN)));
    }

    @Test
    void aVoterOfEitherHalfOfAJointConfigurationIsRefused() throws Exception {
        // n2 is being removed: the joint configuration lists it only among the outgoing voters; n4 is being added.
        JsonNode joint = membership("{'index': 9, 'leader': 'n1', 'joint': true, 'outgoingVoters': ['n1', 'n2'], 'members': ["
                + "{'id': 'n1', 'raft': 'h:1', 'http': 'h:2', 'voter': true},"
                + "{'id': 'n4', 'raft': 'h:7', 'http': 'h:8', 'voter': true}]}");
        assertTrue(JoinPreflight.refusal("n2", joint).isPresent(), "outgoing voter");
        assertTrue(JoinPreflight.refusal("n4", joint).isPresent(), "incoming voter");
        assertEquals(Optional.empty(), JoinPreflight.refusal("n5", joint));
    }
}
