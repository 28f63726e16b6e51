package io.tally.raft.message;

import io.tally.raft.model.Entry;
import io.tally.raft.model.EntryType;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary wire format of {@link RaftMessage}s (big-endian):
 *
 * <pre>
 * u8 version (=1), u8 type, str from, str to, i64 term, then per type:
 *   1 VoteRequest       i64 lastLogIndex, i64 lastLogTerm, u8 flags (bit0 preVote, bit1 transfer)
 *   2 VoteResponse      u8 flags (bit0 granted, bit1 preVote)
 *   3 AppendRequest     i64 prevLogIndex, i64 prevLogTerm, i64 leaderCommit, i32 count, count x entry
 *   4 AppendResponse    u8 flags (bit0 success), i64 matchIndex, i64 rejectedIndex, i64 conflictTerm,
 *                       i64 conflictIndex
 *   5 Heartbeat         i64 commit, i64 match, i64 context
 *   6 HeartbeatResponse i64 context
 *   7 TimeoutNow        (nothing)
 *   8 SnapshotChunk     i64 lastIndex, i64 lastTerm, i64 offset, u8 flags (bit0 done), i32 dataLength, data,
 *                       i32 configLength, configuration
 *   9 SnapshotAck       i64 lastIndex, i64 nextOffset
 * str   = u8 length (0..255), that many bytes of UTF-8
 * entry = i64 index, i64 term, u8 type ({@link EntryType#code()}), i32 dataLength, data
 * </pre>
 *
 * <p>The encoding is canonical: every frame {@link #decode} accepts is exactly what {@link #encode} produces
 * for the result. Both directions enforce the same rules (ids non-null and at most 255 UTF-8 bytes,
 * term >= 0, prevLogIndex >= 0, at most {@value #MAX_ENTRIES} entries numbered prevLogIndex + 1 onwards;
 * a snapshot chunk's lastIndex, lastTerm and offset >= 0, an ack's lastIndex and nextOffset >= 0). A chunk's
 * configuration bytes are carried as they are; the runtime decodes them.
 * {@link #decode} throws nothing but {@link MalformedMessageException}, and never allocates more than
 * the frame's own size on the strength of a length field.
 */
public final class MessageCodec {

    /** Current format version, the first byte of every frame. */
    public static final int VERSION = 1;
    /** Most entries one AppendRequest may carry. */
    public static final int MAX_ENTRIES = 1_000_000;
    /** Most UTF-8 bytes in an id. */
    public static final int MAX_ID_BYTES = 255;

    private static final int VOTE_REQUEST = 1;
    private static final int VOTE_RESPONSE = 2;
    private static final int APPEND_REQUEST = 3;
    private static final int APPEND_RESPONSE = 4;
    private static final int HEARTBEAT = 5;
    private static final int HEARTBEAT_RESPONSE = 6;
    private static final int TIMEOUT_NOW = 7;
    private static final int SNAPSHOT_CHUNK = 8;
    private static final int SNAPSHOT_ACK = 9;

    /** Smallest encoded entry: index, term, type, data length. */
    private static final int MIN_ENTRY_BYTES = 8 + 8 + 1 + 4;

    private MessageCodec() {
    }

    /**
     * Encodes a message into one frame.
     *
     * @throws IllegalArgumentException if the message breaks a rule of the format (see class doc)
     */
    public static byte[] encode(RaftMessage m) {
        String problem = problem(m);
        if (problem != null) {
            throw new IllegalArgumentException("cannot encode " + m + ": " + problem);
        }
        try {
            int sizeHint = m instanceof SnapshotChunk c ? 64 + c.data().length + c.configuration().length : 64;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(sizeHint);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeByte(typeCode(m));
            writeId(out, m.from());
            writeId(out, m.to());
            out.writeLong(m.term());
            if (m instanceof VoteRequest v) {
                out.writeLong(v.lastLogIndex());
                out.writeLong(v.lastLogTerm());
                out.writeByte((v.preVote() ? 1 : 0) | (v.transfer() ? 2 : 0));
            } else if (m instanceof VoteResponse v) {
                out.writeByte((v.granted() ? 1 : 0) | (v.preVote() ? 2 : 0));
            } else if (m instanceof AppendRequest a) {
                out.writeLong(a.prevLogIndex());
                out.writeLong(a.prevLogTerm());
                out.writeLong(a.leaderCommit());
                out.writeInt(a.entries().size());
                for (Entry e : a.entries()) {
                    out.writeLong(e.index());
                    out.writeLong(e.term());
                    out.writeByte(e.type().code());
                    out.writeInt(e.data().length);
                    out.write(e.data());
                }
            } else if (m instanceof AppendResponse r) {
                out.writeByte(r.success() ? 1 : 0);
                out.writeLong(r.matchIndex());
                out.writeLong(r.rejectedIndex());
                out.writeLong(r.conflictTerm());
                out.writeLong(r.conflictIndex());
            } else if (m instanceof Heartbeat h) {
                out.writeLong(h.commit());
                out.writeLong(h.match());
                out.writeLong(h.context());
            } else if (m instanceof HeartbeatResponse h) {
                out.writeLong(h.context());
            } else if (m instanceof SnapshotChunk c) {
                out.writeLong(c.lastIndex());
                out.writeLong(c.lastTerm());
                out.writeLong(c.offset());
                out.writeByte(c.done() ? 1 : 0);
                out.writeInt(c.data().length);
                out.write(c.data());
                out.writeInt(c.configuration().length);
                out.write(c.configuration());
            } else if (m instanceof SnapshotAck a) {
                out.writeLong(a.lastIndex());
                out.writeLong(a.nextOffset());
            }
            // TimeoutNow carries nothing beyond the common header.
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
    }

    /** Size in bytes of {@code m}'s frame. */
    public static int encodedSize(RaftMessage m) {
        return encode(m).length;
    }

    /**
     * Decodes one whole frame.
     *
     * @throws MalformedMessageException for any input that {@link #encode} could not have produced
     */
    public static RaftMessage decode(byte[] frame) {
        if (frame == null) {
            throw new MalformedMessageException("null frame");
        }
        Reader in = new Reader(frame);
        int version = in.u8("version");
        if (version != VERSION) {
            throw new MalformedMessageException("unsupported message format version " + version);
        }
        int type = in.u8("type");
        if (type < VOTE_REQUEST || type > SNAPSHOT_ACK) {
            throw new MalformedMessageException("unknown message type code " + type);
        }
        String from = in.id("from");
        String to = in.id("to");
        long term = in.i64("term");
        RaftMessage m = switch (type) {
            case VOTE_REQUEST -> {
                long lastLogIndex = in.i64("lastLogIndex");
                long lastLogTerm = in.i64("lastLogTerm");
                int flags = in.flags(0b11);
                yield new VoteRequest(from, to, term, lastLogIndex, lastLogTerm, (flags & 1) != 0, (flags & 2) != 0);
            }
            case VOTE_RESPONSE -> {
                int flags = in.flags(0b11);
                yield new VoteResponse(from, to, term, (flags & 1) != 0, (flags & 2) != 0);
            }
            case APPEND_REQUEST -> {
                long prevLogIndex = in.i64("prevLogIndex");
                long prevLogTerm = in.i64("prevLogTerm");
                long leaderCommit = in.i64("leaderCommit");
                yield new AppendRequest(from, to, term, prevLogIndex, prevLogTerm, in.entries(), leaderCommit);
            }
            case APPEND_RESPONSE -> {
                boolean success = in.flags(1) != 0;
                yield new AppendResponse(from, to, term, success, in.i64("matchIndex"), in.i64("rejectedIndex"),
                        in.i64("conflictTerm"), in.i64("conflictIndex"));
            }
            case HEARTBEAT -> new Heartbeat(from, to, term, in.i64("commit"), in.i64("match"), nonNegative(in.i64("context"), "context"));
            case HEARTBEAT_RESPONSE -> new HeartbeatResponse(from, to, term, nonNegative(in.i64("context"), "context"));
            case TIMEOUT_NOW -> new TimeoutNow(from, to, term);
            case SNAPSHOT_CHUNK -> {
                long lastIndex = in.i64("lastIndex");
                long lastTerm = in.i64("lastTerm");
                long offset = in.i64("offset");
                boolean done = in.flags(1) != 0;
                byte[] data = in.bytes("snapshot data");
                byte[] configuration = in.bytes("snapshot configuration");
                yield new SnapshotChunk(from, to, term, lastIndex, lastTerm, offset, data, done, configuration);
            }
            default -> new SnapshotAck(from, to, term, in.i64("lastIndex"), in.i64("nextOffset"));
        };
        if (in.remaining() != 0) {
            throw new MalformedMessageException(in.remaining() + " trailing bytes after " + m.getClass().getSimpleName());
        }
        String problem = problem(m);
        if (problem != null) {
            throw new MalformedMessageException("invalid " + m.getClass().getSimpleName() + ": " + problem);
        }
        return m;
    }

    private static int typeCode(RaftMessage m) {
        if (m instanceof VoteRequest) {
            return VOTE_REQUEST;
        } else if (m instanceof VoteResponse) {
            return VOTE_RESPONSE;
        } else if (m instanceof AppendRequest) {
            return APPEND_REQUEST;
        } else if (m instanceof AppendResponse) {
            return APPEND_RESPONSE;
        } else if (m instanceof Heartbeat) {
            return HEARTBEAT;
        } else if (m instanceof HeartbeatResponse) {
            return HEARTBEAT_RESPONSE;
        } else if (m instanceof TimeoutNow) {
            return TIMEOUT_NOW;
        } else if (m instanceof SnapshotChunk) {
            return SNAPSHOT_CHUNK;
        } else if (m instanceof SnapshotAck) {
            return SNAPSHOT_ACK;
        }
        throw new IllegalArgumentException("unknown message class " + m.getClass().getName());
    }

    /** The first rule of the format {@code m} breaks, or null; ids' lengths are checked separately. */
    private static String problem(RaftMessage m) {
        if (m == null) {
            return "null message";
        }
        if (m.from() == null || m.to() == null) {
            return "from and to must not be null";
        }
        if (m.term() < 0) {
            return "negative term " + m.term();
        }
        if (m instanceof AppendRequest a) {
            if (a.prevLogIndex() < 0) {
                return "negative prevLogIndex " + a.prevLogIndex();
            }
            if (a.entries().size() > MAX_ENTRIES) {
                return a.entries().size() + " entries exceed the limit of " + MAX_ENTRIES;
            }
            long expected = a.prevLogIndex() + 1;
            for (Entry e : a.entries()) {
                if (e.index() != expected) {
                    return "entry index " + e.index() + " where " + expected + " was expected";
                }
                expected++;
            }
        }
        if (m instanceof SnapshotChunk c) {
            if (c.lastIndex() < 0 || c.lastTerm() < 0 || c.offset() < 0) {
                return "negative lastIndex, lastTerm or offset (" + c.lastIndex() + ", " + c.lastTerm() + ", "
                        + c.offset() + ")";
            }
        }
        if (m instanceof SnapshotAck a) {
            if (a.lastIndex() < 0 || a.nextOffset() < 0) {
                return "negative lastIndex or nextOffset (" + a.lastIndex() + ", " + a.nextOffset() + ")";
            }
        }
        return null;
    }

    private static void writeId(DataOutputStream out, String id) throws IOException {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("id longer than " + MAX_ID_BYTES + " UTF-8 bytes: " + id);
        }
        out.writeByte(utf8.length);
        out.write(utf8);
    }

    /** Bounds-checked reads from a frame; every failure is a {@link MalformedMessageException}. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(byte[] frame) {
            this.buf = ByteBuffer.wrap(frame);
        }

        int remaining() {
            return buf.remaining();
        }

        private void need(int n, String field) {
            if (buf.remaining() < n) {
                throw new MalformedMessageException("truncated frame: " + field + " needs " + n
                        + " bytes at offset " + buf.position() + ", " + buf.remaining() + " left");
            }
        }

        int u8(String field) {
            need(1, field);
            return buf.get() & 0xFF;
        }

        int i32(String field) {
            need(4, field);
            return buf.getInt();
        }

        long i64(String field) {
            need(8, field);
            return buf.getLong();
        }

        int flags(int allowed) {
            int f = u8("flags");
            if ((f & ~allowed) != 0) {
                throw new MalformedMessageException("unknown flag bits 0x" + Integer.toHexString(f & ~allowed));
            }
            return f;
        }

        String id(String field) {
            int len = u8(field + " length");
            need(len, field);
            ByteBuffer slice = buf.slice(buf.position(), len);
            buf.position(buf.position() + len);
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(slice)
                        .toString();
            } catch (CharacterCodingException e) {
                throw new MalformedMessageException(field + " is not valid UTF-8", e);
            }
        }

        /** An i32 length then that many bytes; the length must lie in [0, remaining]. */
        byte[] bytes(String field) {
            int length = i32(field + " length");
            if (length < 0 || length > buf.remaining()) {
                throw new MalformedMessageException(field + " length " + length + " outside [0, "
                        + buf.remaining() + "]");
            }
            byte[] data = new byte[length];
            buf.get(data);
            return data;
        }

        List<Entry> entries() {
            int count = i32("entry count");
            if (count < 0 || count > MAX_ENTRIES) {
                throw new MalformedMessageException("entry count " + count + " outside [0, " + MAX_ENTRIES + "]");
            }
            if ((long) count * MIN_ENTRY_BYTES > buf.remaining()) {
                throw new MalformedMessageException("truncated frame: " + count + " entries cannot fit in "
                        + buf.remaining() + " bytes");
            }
            List<Entry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long index = i64("entry index");
                long term = i64("entry term");
                int typeCode = u8("entry type");
                int length = i32("entry data length");
                if (length < 0 || length > buf.remaining()) {
                    throw new MalformedMessageException("entry data length " + length + " outside [0, "
                            + buf.remaining() + "]");
                }
                byte[] data = new byte[length];
                buf.get(data);
                try {
                    entries.add(new Entry(index, term, EntryType.fromCode(typeCode), data));
                } catch (IllegalArgumentException e) {
                    throw new MalformedMessageException("invalid entry " + i + ": " + e.getMessage(), e);
                }
            }
            return entries;
        }
    }

    private static long nonNegative(long v, String field) {
        if (v < 0) {
            throw new MalformedMessageException(field + " is negative: " + v);
        }
        return v;
    }
}
