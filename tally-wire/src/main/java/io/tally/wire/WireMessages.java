package io.tally.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import com.google.protobuf.UnsafeByteOperations;
import io.tally.raft.model.Entry;
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
import io.tally.wire.v1.EntryType;
import io.tally.wire.v1.Frame;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between the core's {@link RaftMessage}s and protobuf {@link Frame}s (docs/wire.md).
 *
 * <p>Sender and receiver are not on the wire: they are the two ends of the connection, fixed by its
 * handshake, so a peer can only ever speak for itself. Decoding validates everything the core relies on
 * (non-negative terms and indexes, entry terms >= 1, known entry types, at most {@link #MAX_ENTRIES}
 * entries) and throws {@link WireFormatException} for anything else: nothing from a bad frame reaches Raft.
 */
public final class WireMessages {

    /** The first byte of an AppendRequest frame: its field's tag (a one-byte varint, the field number being 12). */
    private static final byte APPEND_FRAME_TAG = (byte) (Frame.APPEND_REQUEST_FIELD_NUMBER << AppendRequestWire.TAG_TYPE_BITS
            | WireFormat.WIRETYPE_LENGTH_DELIMITED);

    /** Most entries one AppendRequest may carry. */
    public static final int MAX_ENTRIES = 1_000_000;

    private WireMessages() {
    }

    /** The frame for a Raft message (sender and receiver are implied by the connection). */
    public static Frame toFrame(RaftMessage m) {
        Frame.Builder f = Frame.newBuilder();
        if (m instanceof VoteRequest v) {
            f.setVoteRequest(io.tally.wire.v1.VoteRequest.newBuilder().setTerm(v.term())
                    .setLastLogIndex(v.lastLogIndex()).setLastLogTerm(v.lastLogTerm())
                    .setPreVote(v.preVote()).setTransfer(v.transfer()));
        } else if (m instanceof VoteResponse v) {
            f.setVoteResponse(io.tally.wire.v1.VoteResponse.newBuilder().setTerm(v.term())
                    .setGranted(v.granted()).setPreVote(v.preVote()));
        } else if (m instanceof AppendRequest a) {
            io.tally.wire.v1.AppendRequest.Builder b = io.tally.wire.v1.AppendRequest
                    .newBuilder().setTerm(a.term()).setPrevLogIndex(a.prevLogIndex())
                    .setPrevLogTerm(a.prevLogTerm()).setLeaderCommit(a.leaderCommit());
            // Entries' data arrays are immutable by contract (Entry): wrap them instead of copying each payload.
            List<io.tally.wire.v1.Entry> entries = new ArrayList<>(a.entries().size());
            for (Entry e : a.entries()) {
                entries.add(io.tally.wire.v1.Entry.newBuilder().setTerm(e.term()).setTypeValue(e.type().code())
                        .setData(UnsafeByteOperations.unsafeWrap(e.data())).build());
            }
            f.setAppendRequest(b.addAllEntries(entries));
        } else if (m instanceof AppendResponse a) {
            f.setAppendResponse(io.tally.wire.v1.AppendResponse.newBuilder().setTerm(a.term())
                    .setSuccess(a.success()).setMatchIndex(a.matchIndex()).setRejectedIndex(a.rejectedIndex())
                    .setConflictTerm(a.conflictTerm()).setConflictIndex(a.conflictIndex()));
        } else if (m instanceof Heartbeat h) {
            f.setHeartbeat(io.tally.wire.v1.Heartbeat.newBuilder().setTerm(h.term())
                    .setCommit(h.commit()).setMatch(h.match()).setContext(h.context()));
        } else if (m instanceof HeartbeatResponse h) {
            f.setHeartbeatResponse(io.tally.wire.v1.HeartbeatResponse.newBuilder().setTerm(h.term())
                    .setContext(h.context()));
        } else if (m instanceof TimeoutNow t) {
            f.setTimeoutNow(io.tally.wire.v1.TimeoutNow.newBuilder().setTerm(t.term()));
        } else if (m instanceof SnapshotChunk c) {
            f.setSnapshotChunk(io.tally.wire.v1.SnapshotChunk.newBuilder().setTerm(c.term())
                    .setLastIndex(c.lastIndex()).setLastTerm(c.lastTerm()).setOffset(c.offset())
                    .setData(ByteString.copyFrom(c.data())).setDone(c.done())
                    .setConfiguration(ByteString.copyFrom(c.configuration())));
        } else if (m instanceof SnapshotAck a) {
            f.setSnapshotAck(io.tally.wire.v1.SnapshotAck.newBuilder().setTerm(a.term())
                    .setLastIndex(a.lastIndex()).setNextOffset(a.nextOffset()));
        } else {
            throw new IllegalArgumentException("no wire form for " + m.getClass().getSimpleName());
        }
        return f.build();
    }

    /** Bytes of the frame {@link #toFrame} gives for {@code a}, computed without building it. */
    public static int appendFrameBytes(AppendRequest a) {
        int body = AppendRequestWire.bodySize(a);
        return CodedOutputStream.computeTagSize(Frame.APPEND_REQUEST_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(body) + body;
    }

    /**
     * Writes the frame {@link #toFrame} gives for {@code a} — the same bytes, {@link #appendFrameBytes} of them —
     * without an object per entry ({@link AppendRequestWire}).
     */
    public static void writeAppendFrame(AppendRequest a, CodedOutputStream out) throws IOException {
        out.writeTag(Frame.APPEND_REQUEST_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(AppendRequestWire.bodySize(a));
        AppendRequestWire.writeBody(a, out);
    }

    /** Whether a frame's bytes begin as an AppendRequest frame does: those may be read by {@link #readAppendFrame}. */
    public static boolean isAppendFrame(ByteBuffer payload) {
        return payload.remaining() > 0 && payload.get(payload.position()) == APPEND_FRAME_TAG;
    }

    /**
     * The AppendRequest in a frame's bytes, read without an object per entry, or null if the bytes are not an
     * AppendRequest frame in canonical form (parse them as a {@link Frame} then: the generated code's rules decide).
     *
     * <p>A request that breaks a rule of {@link #fromFrame} is not read here either (null): the generated parser then
     * refuses it, with its message.
     */
    public static AppendRequest readAppendFrame(ByteBuffer payload, String from, String to) {
        CodedInputStream in = CodedInputStream.newInstance(payload.duplicate());
        try {
            return readAppendFrame(in, from, to);
        } catch (IOException e) {
            return null; // malformed: the generated parser says why
        }
    }

    /** {@link #readAppendFrame(ByteBuffer, String, String)} from a stream that holds exactly the frame. */
    static AppendRequest readAppendFrame(CodedInputStream in, String from, String to) throws IOException {
        if (in.readTag() != APPEND_FRAME_TAG) {
            return null;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        AppendRequest a = AppendRequestWire.readBody(in, from, to);
        if (a == null) {
            return null;
        }
        in.popLimit(limit);
        return in.isAtEnd() ? a : null; // anything after the request: not canonical
    }

    /** Whether the frame carries a Raft message (as opposed to handshake or liveness traffic). */
    public static boolean isRaftMessage(Frame f) {
        return f.getBodyCase().getNumber() >= Frame.VOTE_REQUEST_FIELD_NUMBER;
    }

    /**
     * The Raft message a frame carries, from {@code from} to {@code to}.
     *
     * @throws WireFormatException if the frame carries no Raft message or breaks a rule
     */
    public static RaftMessage fromFrame(Frame f, String from, String to) throws WireFormatException {
        try {
            return switch (f.getBodyCase()) {
                case VOTE_REQUEST -> {
                    var v = f.getVoteRequest();
                    yield new VoteRequest(from, to, nonNegative("term", v.getTerm()),
                            nonNegative("last_log_index", v.getLastLogIndex()),
                            nonNegative("last_log_term", v.getLastLogTerm()), v.getPreVote(), v.getTransfer());
                }
                case VOTE_RESPONSE -> {
                    var v = f.getVoteResponse();
                    yield new VoteResponse(from, to, nonNegative("term", v.getTerm()), v.getGranted(), v.getPreVote());
                }
                case APPEND_REQUEST -> appendRequest(f.getAppendRequest(), from, to);
                case APPEND_RESPONSE -> {
                    var a = f.getAppendResponse();
                    yield new AppendResponse(from, to, nonNegative("term", a.getTerm()), a.getSuccess(),
                            nonNegative("match_index", a.getMatchIndex()),
                            nonNegative("rejected_index", a.getRejectedIndex()),
                            nonNegative("conflict_term", a.getConflictTerm()),
                            nonNegative("conflict_index", a.getConflictIndex()));
                }
                case HEARTBEAT -> {
                    var h = f.getHeartbeat();
                    yield new Heartbeat(from, to, nonNegative("term", h.getTerm()),
                            nonNegative("commit", h.getCommit()), nonNegative("match", h.getMatch()),
                            nonNegative("context", h.getContext()));
                }
                case HEARTBEAT_RESPONSE -> new HeartbeatResponse(from, to, nonNegative("term", f.getHeartbeatResponse().getTerm()),
                        nonNegative("context", f.getHeartbeatResponse().getContext()));
                case TIMEOUT_NOW -> new TimeoutNow(from, to, nonNegative("term", f.getTimeoutNow().getTerm()));
                case SNAPSHOT_CHUNK -> {
                    var c = f.getSnapshotChunk();
                    yield new SnapshotChunk(from, to, nonNegative("term", c.getTerm()),
                            nonNegative("last_index", c.getLastIndex()), nonNegative("last_term", c.getLastTerm()),
                            nonNegative("offset", c.getOffset()), c.getData().toByteArray(), c.getDone(),
                            c.getConfiguration().toByteArray());
                }
                case SNAPSHOT_ACK -> {
                    var a = f.getSnapshotAck();
                    yield new SnapshotAck(from, to, nonNegative("term", a.getTerm()),
                            nonNegative("last_index", a.getLastIndex()), nonNegative("next_offset", a.getNextOffset()));
                }
                default -> throw new WireFormatException("frame carries " + f.getBodyCase() + ", not a Raft message");
            };
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("invalid " + f.getBodyCase() + ": " + e.getMessage(), e);
        }
    }

    private static AppendRequest appendRequest(io.tally.wire.v1.AppendRequest a, String from, String to)
            throws WireFormatException {
        long prev = nonNegative("prev_log_index", a.getPrevLogIndex());
        int n = a.getEntriesCount();
        if (n > MAX_ENTRIES || prev > Long.MAX_VALUE - n) {
            throw new WireFormatException("append_request: " + n + " entries after index " + prev + " is out of range");
        }
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            var e = a.getEntries(i);
            long term = e.getTerm();
            if (term < 1) {
                throw new WireFormatException("append_request: entry " + (prev + i + 1) + " has term " + Long.toUnsignedString(term));
            }
            entries.add(new Entry(prev + i + 1, term, entryType(e.getType()), e.getData().toByteArray()));
        }
        return new AppendRequest(from, to, nonNegative("term", a.getTerm()), prev,
                nonNegative("prev_log_term", a.getPrevLogTerm()), entries,
                nonNegative("leader_commit", a.getLeaderCommit()));
    }

    /** The core's entry type for a wire type number, or null if it names none. */
    static io.tally.raft.model.EntryType knownEntryType(int code) {
        EntryType t = EntryType.forNumber(code);
        try {
            return t == null ? null : entryType(t);
        } catch (WireFormatException e) {
            return null; // ENTRY_TYPE_UNSPECIFIED
        }
    }

    private static io.tally.raft.model.EntryType entryType(EntryType t) throws WireFormatException {
        return switch (t) {
            case COMMAND -> io.tally.raft.model.EntryType.COMMAND;
            case NOOP -> io.tally.raft.model.EntryType.NOOP;
            case CONFIGURATION -> io.tally.raft.model.EntryType.CONFIGURATION;
            case BARRIER -> io.tally.raft.model.EntryType.BARRIER;
            default -> throw new WireFormatException("unknown entry type " + t);
        };
    }

    /** uint64 fields hold Java longs; a value past Long.MAX_VALUE arrives negative and is refused. */
    private static long nonNegative(String field, long value) throws WireFormatException {
        if (value < 0) {
            throw new WireFormatException(field + " " + Long.toUnsignedString(value) + " is out of range");
        }
        return value;
    }
}
