package io.tally.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link MemberView#parse}: the fields the cluster view reads, and the samples and events passed on verbatim. */
class MemberViewTest {

    private static MemberView parse(String json) throws IOException {
        return MemberView.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheFieldsAndKeepsTheArraysAsTheMemberWroteThem() throws Exception {
        MemberView v = parse("{\"id\":\"n2\",\"state\":\"leader\",\"term\":7,\"leader\":\"n2\",\"commitIndex\":40,"
                + "\"appliedIndex\":39,\"lastLogIndex\":41,\"configurationIndex\":1,\"removed\":false,"
                + "\"members\":[{\"id\":\"n1\",\"voter\":true}],\"started\":5,\"time\":6,\"progress\":{\"n1\":38},"
                + "\"samples\":[{\"seq\":1,\"writeP50Ms\":null,\"state\":\"ü\"},{\"seq\":2}],\"eventSeq\":3,\"events\":[]}");
        assertEquals("n2", v.id());
        assertEquals("leader", v.state());
        assertEquals(7L, v.term());
        assertEquals(41L, v.lastLogIndex());
        assertEquals(Map.of("n1", 38L), v.progress());
        assertEquals("[{\"seq\":1,\"writeP50Ms\":null,\"state\":\"ü\"},{\"seq\":2}]", v.samples().rawValue());
        assertEquals("[]", v.events().rawValue());
        assertEquals(3L, v.eventSeq());
    }

    @Test
    void aFollowerHasNoProgressAndAbsentNumbersAreNull() throws Exception {
        MemberView v = parse("{\"id\":\"n1\",\"state\":\"follower\",\"leader\":null,\"samples\":[]}");
        assertNull(v.progress());
        assertNull(v.leader());
        assertNull(v.commitIndex());
        assertEquals(0, v.termOrZero());
        assertEquals("[]", v.events().rawValue());
    }

    @Test
    void aMalformedAnswerIsAnError() {
        assertThrows(IOException.class, () -> parse("[1,2]"));
        assertThrows(IOException.class, () -> parse("{\"id\":\"n1\",\"samples\":[{\"seq\":1}"));
        assertThrows(IOException.class, () -> parse("{\"id\":\"n1\",\"samples\":{}}"));
        assertThrows(IOException.class, () -> parse("{\"id\":\"n1\",\"term\":\"seven\"}"));
        assertThrows(IOException.class, () -> parse("{\"id\":\"n1\"} {}"));
    }
}
