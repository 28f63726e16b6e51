package io.tally.server;

import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster endpoints of HTTP API v1 against a live three-node cluster in this JVM: listing, leadership transfer
 * and every refusal (bad JSON, bad addresses, invalid changes, stale {@code ?cas=}, wrong methods).
 */
class ClusterHttpApiTest {

    private static InProcessCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = new InProcessCluster(3);
        cluster.awaitLeader();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static KvHttpApiTest.Resp call(int node, String method, String pathAndQuery, String body) throws Exception {
        return KvHttpApiTest.call(cluster.http(node), method, pathAndQuery, body, java.util.Map.of());
    }

    private static void assertError(KvHttpApiTest.Resp r, int status, String code) {
        assertEquals(status, r.status(), r.text());
        assertEquals(code, r.code(), r.text());
        assertTrue(r.json().get("error").asText().length() > 3, r.text());
    }

    @Test
    void membersAreListedByAnyNode() throws Exception {
        int follower = (cluster.awaitLeader() + 1) % 3;
        KvHttpApiTest.Resp r = call(follower, "GET", "/v1/cluster/members", null);
        assertEquals(200, r.status(), r.text());
        assertEquals(3, r.json().get("members").size(), r.text());
        assertFalse(r.json().get("joint").asBoolean());
        assertTrue(r.json().get("index").asLong() >= 1);
        for (var m : r.json().get("members")) {
            assertTrue(m.get("voter").asBoolean(), r.text());
            assertFalse(m.get("raft").asText().isEmpty(), r.text());
            assertEquals(cluster.http(index(m.get("id").asText())), m.get("http").asText(), "from the configuration: " + r.text());
        }
    }

    /** The node index of member {@code id} ("n1" is 0). */
    private static int index(String id) {
        return Integer.parseInt(id.substring(1)) - 1;
    }

    @Test
    void aMembersHttpAddressChangesThroughAMembershipChange() throws Exception {
        int leader = cluster.awaitLeader();
        int follower = (leader + 1) % 3;
        TallyNode f = cluster.nodes.get(follower);
        String id = f.raft().id();
        String raft = f.raft().configuration().member(id).orElseThrow().address();
        long before = call(leader, "GET", "/v1/cluster/members", null).json().get("index").asLong();
        try {
            KvHttpApiTest.Resp moved = call((leader + 2) % 3, "POST", "/v1/cluster/members",
                    "{\"id\": \"" + id + "\", \"raft\": \"" + raft + "\", \"http\": \"127.0.0.1:1\"}");
            assertEquals(200, moved.status(), moved.text());
            assertTrue(moved.json().get("index").asLong() > before, "a new configuration: " + moved.text());
            for (int i = 0; i < 3; i++) {
                int node = i;
                Poll.until("n" + (node + 1) + " reports the new address", Duration.ofSeconds(10), () -> {
                    try {
                        for (var m : call(node, "GET", "/v1/status", null).json().get("members")) {
                            if (m.get("id").asText().equals(id)) {
                                return m.get("http").asText().equals("127.0.0.1:1") && m.get("voter").asBoolean();
                            }
                        }
                        return false;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
            }
        } finally {
            KvHttpApiTest.Resp back = call(cluster.awaitLeader(), "POST", "/v1/cluster/members",
                    "{\"id\": \"" + id + "\", \"raft\": \"" + raft + "\", \"http\": \"" + cluster.http(follower) + "\"}");
            assertEquals(200, back.status(), back.text());
        }
    }

    @Test
    void badRequestsAreRefusedWithAReason() throws Exception {
        int any = cluster.awaitLeader();
        assertError(call(any, "POST", "/v1/cluster/members", "{not json"), 400, "bad-request");
        assertError(call(any, "POST", "/v1/cluster/members", "[1, 2]"), 400, "bad-request");
        assertError(call(any, "POST", "/v1/cluster/members", ""), 400, "bad-request");
        assertError(call(any, "POST", "/v1/cluster/members", "{\"raft\": \"127.0.0.1:1\", \"http\": \"127.0.0.1:2\"}"), 400, "bad-request");
        assertError(call(any, "POST", "/v1/cluster/members", "{\"id\": \"x\", \"raft\": \"nowhere\", \"http\": \"127.0.0.1:2\"}"), 400, "bad-request");
        assertError(call(any, "POST", "/v1/cluster/members", "{\"id\": \"x\", \"raft\": \"127.0.0.1:1\", \"http\": \"127.0.0.1:2\", \"voter\": \"yes\"}"), 400, "bad-request");
        assertError(call(any, "DELETE", "/v1/cluster/members/nobody", null), 400, "invalid-change");
        assertError(call(any, "POST", "/v1/cluster/leader", "{\"id\": \"nobody\"}"), 400, "invalid-change");
        assertError(call(any, "DELETE", "/v1/cluster/members/n1?cas=0", null), 409, "conflict");
        assertError(call(any, "PUT", "/v1/cluster/members", "{}"), 405, "method-not-allowed");
        assertError(call(any, "GET", "/v1/cluster/leader", null), 405, "method-not-allowed");
        assertEquals(3, call(any, "GET", "/v1/cluster/members", null).json().get("members").size(), "nothing changed");
    }

    @Test
    void aJoinRequestForAnExistingVoterIsRefusedAndChangesNothing() throws Exception {
        int leader = cluster.awaitLeader();
        long index = call(leader, "GET", "/v1/cluster/members", null).json().get("index").asLong();
        for (int node = 0; node < 3; node++) {
            // n1..n3 are voters: an empty node asking to join under one of their ids must be refused.
            String id = "n" + (node + 1);
            String raft = cluster.nodes.get(node).raft().configuration().member(id).orElseThrow().address();
            KvHttpApiTest.Resp r = call((leader + 1) % 3, "POST", "/v1/cluster/members", "{\"id\": \"" + id
                    + "\", \"raft\": \"" + raft + "\", \"http\": \"" + cluster.http(node) + "\", \"join\": true}");
            assertError(r, 409, "member-exists");
            assertTrue(r.json().get("error").asText().contains("remove-member " + id), r.text());
        }
        assertError(call(leader, "POST", "/v1/cluster/members",
                "{\"id\": \"n9\", \"raft\": \"127.0.0.1:1\", \"http\": \"127.0.0.1:2\", \"join\": \"yes\"}"), 400, "bad-request");
        assertEquals(index, call(leader, "GET", "/v1/cluster/members", null).json().get("index").asLong(), "nothing changed");
    }

    @Test
    void aJoinRequestForANewIdIsAccepted() throws Exception {
        int leader = cluster.awaitLeader();
        // As a non-voter, so that it needs no catch-up: nothing listens at its address.
        KvHttpApiTest.Resp r = call(leader, "POST", "/v1/cluster/members",
                "{\"id\": \"n9\", \"raft\": \"127.0.0.1:1\", \"http\": \"127.0.0.1:2\", \"voter\": false, \"join\": true}");
        assertEquals(200, r.status(), r.text());
        boolean listed = false;
        for (var m : r.json().get("members")) {
            listed |= m.get("id").asText().equals("n9") && !m.get("voter").asBoolean() && m.get("http").asText().equals("127.0.0.1:2");
        }
        assertTrue(listed, r.text());
        KvHttpApiTest.Resp removed = call(cluster.awaitLeader(), "DELETE", "/v1/cluster/members/n9", null);
        assertEquals(200, removed.status(), removed.text());
    }

    @Test
    void leadershipMovesToTheNamedMemberThroughAnyNode() throws Exception {
        int leader = cluster.awaitLeader();
        int target = (leader + 1) % 3;
        String targetId = cluster.nodes.get(target).raft().id();
        KvHttpApiTest.Resp r = call((leader + 2) % 3, "POST", "/v1/cluster/leader", "{\"id\": \"" + targetId + "\"}");
        assertEquals(200, r.status(), r.text());
        assertEquals(targetId, r.json().get("leader").asText());
        Poll.until("the target leads", Duration.ofSeconds(5), () -> cluster.awaitLeader() == target);
        KvHttpApiTest.Resp any = call(target, "POST", "/v1/cluster/leader", "{}");
        assertEquals(200, any.status(), any.text());
        assertFalse(any.json().get("leader").asText().equals(targetId), "moved to another voter: " + any.text());
    }
}
