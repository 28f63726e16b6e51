package io.tally.wire;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.Heartbeat;
import io.tally.raft.message.HeartbeatResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.SnapshotAck;
import io.tally.raft.message.SnapshotChunk;
import io.tally.raft.message.TimeoutNow;
import io.tally.raft.message.VoteRequest;
import io.tally.raft.message.VoteResponse;
import io.tally.wire.v1.Frame;
import io.tally.wire.v1.Ping;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireMessagesTest {

    static List<RaftMessage> samples() {
        return List.of(
                new VoteRequest("a", "b", 7, 100, 6, true, false),
                new VoteRequest("a", "b", 8, 0, 0, false, true),
                new VoteResponse("a", "b", 7, true, true),
                new AppendRequest("a", "b", 3, 10, 2, List.of(
                        new Entry(11, 3, EntryType.COMMAND, new byte[] {1, 2, 3}),
                        new Entry(12, 3, EntryType.NOOP, null),
                        new Entry(13, 3, EntryType.CONFIGURATION, new byte[] {9}),
                        new Entry(14, 3, EntryType.BARRIER, new byte[0])), 9),
                new AppendRequest("a", "b", 3, 0, 0, List.of(), 0),
                new AppendResponse("a", "b", 3, false, 0, 10, 2, 5),
                AppendResponse.success("a", "b", 3, 14),
                new Heartbeat("a", "b", 4, 20, 18, 7),
                new HeartbeatResponse("a", "b", 4, 7),
                new TimeoutNow("a", "b", 5),
                new SnapshotChunk("a", "b", 6, 500, 5, 4096, new byte[] {4, 5}, true, new byte[] {1}),
                new SnapshotAck("a", "b", 6, 500, 4098));
    }

    @Test
    void everyMessageSurvivesTheRoundTrip() throws Exception {
        for (RaftMessage m : samples()) {
            Frame f = Frame.parseFrom(WireMessages.toFrame(m).toByteArray());
            assertTrue(WireMessages.isRaftMessage(f), m.toString());
            assertEquals(m, WireMessages.fromFrame(f, "a", "b"));
        }
    }

    @Test
    void sendersAndReceiversComeFromTheConnectionNotTheFrame() throws Exception {
        RaftMessage decoded = WireMessages.fromFrame(WireMessages.toFrame(new TimeoutNow("x", "y", 5)), "a", "b");
        assertEquals(new TimeoutNow("a", "b", 5), decoded);
    }

    @Test
    void termsPastLongMaxValueAreRefused() {
        Frame f = Frame.newBuilder().setHeartbeatResponse(
                io.tally.wire.v1.HeartbeatResponse.newBuilder().setTerm(-1L)).build();
        WireFormatException e = assertThrows(WireFormatException.class, () -> WireMessages.fromFrame(f, "a", "b"));
        assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
    }

    @Test
    void entriesWithTermZeroOrUnknownTypeAreRefused() {
        Frame zeroTerm = Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder()
                .setTerm(1).addEntries(io.tally.wire.v1.Entry.newBuilder().setTerm(0)
                        .setType(io.tally.wire.v1.EntryType.COMMAND))).build();
        assertThrows(WireFormatException.class, () -> WireMessages.fromFrame(zeroTerm, "a", "b"));
        Frame badType = Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder()
                .setTerm(1).addEntries(io.tally.wire.v1.Entry.newBuilder().setTerm(1).setTypeValue(99))).build();
        assertThrows(WireFormatException.class, () -> WireMessages.fromFrame(badType, "a", "b"));
        Frame unspecified = Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder()
                .setTerm(1).addEntries(io.tally.wire.v1.Entry.newBuilder().setTerm(1))).build();
        assertThrows(WireFormatException.class, () -> WireMessages.fromFrame(unspecified, "a", "b"));
    }

    @Test
    void appendsThatWouldRunPastTheLastIndexAreRefused() {
        Frame f = Frame.newBuilder().setAppendRequest(io.tally.wire.v1.AppendRequest.newBuilder()
                .setTerm(1).setPrevLogIndex(Long.MAX_VALUE)
                .addEntries(io.tally.wire.v1.Entry.newBuilder().setTerm(1)
                        .setType(io.tally.wire.v1.EntryType.COMMAND))).build();
        assertThrows(WireFormatException.class, () -> WireMessages.fromFrame(f, "a", "b"));
    }

    @Test
    void framesWithoutARaftMessageAreRefused() {
        assertThrows(WireFormatException.class, () -> WireMessages.fromFrame(Frame.getDefaultInstance(), "a", "b"));
        Frame ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build();
        assertThrows(WireFormatException.class, () -> WireMessages.fromFrame(ping, "a", "b"));
    }
}
