package io.tally.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.tally.raft.message.AppendRequest;
import io.tally.raft.model.Entry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code AppendRequest} message of wire.proto written and read without the generated message objects.
 *
 * <p>AppendRequest is the one message whose cost grows with the load (every entry of every batch, to every
 * follower), and the generated code builds an object per entry on both sides and copies each payload twice. This
 * class writes exactly the bytes the generated code writes (fields in field-number order, proto3 defaults omitted;
 * {@code MessageCodecTest} compares them byte for byte) and reads the canonical form straight into the core's
 * {@link Entry}s. It is the same encoding, not a second one: anything it does not recognise as canonical (a field
 * out of order, an unknown field, a repeated field that protobuf would merge) it leaves to the generated parser,
 * whose rules then apply unchanged.
 */
final class AppendRequestWire {

    private static final int TERM = io.tally.wire.v1.AppendRequest.TERM_FIELD_NUMBER;
    private static final int PREV_LOG_INDEX = io.tally.wire.v1.AppendRequest.PREV_LOG_INDEX_FIELD_NUMBER;
    private static final int PREV_LOG_TERM = io.tally.wire.v1.AppendRequest.PREV_LOG_TERM_FIELD_NUMBER;
    private static final int LEADER_COMMIT = io.tally.wire.v1.AppendRequest.LEADER_COMMIT_FIELD_NUMBER;
    private static final int ENTRIES = io.tally.wire.v1.AppendRequest.ENTRIES_FIELD_NUMBER;
    private static final int ENTRY_TERM = io.tally.wire.v1.Entry.TERM_FIELD_NUMBER;
    private static final int ENTRY_TYPE = io.tally.wire.v1.Entry.TYPE_FIELD_NUMBER;
    private static final int ENTRY_DATA = io.tally.wire.v1.Entry.DATA_FIELD_NUMBER;
    /** A tag is {@code field << 3 | wire type} (protobuf's encoding guide). */
    static final int TAG_TYPE_BITS = 3;
    static final int TAG_TYPE_MASK = 7;

    private AppendRequestWire() {
    }

    /** Bytes of the message body (without its own tag and length). */
    static int bodySize(AppendRequest a) {
        int size = uint64Size(TERM, a.term()) + uint64Size(PREV_LOG_INDEX, a.prevLogIndex())
                + uint64Size(PREV_LOG_TERM, a.prevLogTerm()) + uint64Size(LEADER_COMMIT, a.leaderCommit());
        for (Entry e : a.entries()) {
            int entry = entrySize(e);
            size += CodedOutputStream.computeTagSize(ENTRIES) + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
        }
        return size;
    }

    /** Writes the message body, {@link #bodySize} bytes. */
    static void writeBody(AppendRequest a, CodedOutputStream out) throws IOException {
        writeUInt64(out, TERM, a.term());
        writeUInt64(out, PREV_LOG_INDEX, a.prevLogIndex());
        writeUInt64(out, PREV_LOG_TERM, a.prevLogTerm());
        writeUInt64(out, LEADER_COMMIT, a.leaderCommit());
        for (Entry e : a.entries()) {
            out.writeTag(ENTRIES, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(entrySize(e));
            writeUInt64(out, ENTRY_TERM, e.term());
            if (e.type().code() != 0) {
                out.writeEnum(ENTRY_TYPE, e.type().code());
            }
            if (e.data().length != 0) {
                out.writeByteArray(ENTRY_DATA, e.data());
            }
        }
    }

    /**
     * Reads a message body that fills {@code in} up to its current limit, or returns null if it is not in the
     * canonical form this class writes (the caller then parses it with the generated code). The rules of
     * {@link WireMessages#fromFrame} apply to a canonical body, with the same messages; they are checked once the
     * whole body is known to be canonical, so that what is refused does not depend on which parser read it.
     */
    static AppendRequest readBody(CodedInputStream in, String from, String to) throws IOException, WireFormatException {
        long term = 0;
        long prev = 0;
        long prevTerm = 0;
        long commit = 0;
        int last = 0; // the last field number read: canonical bodies have them in increasing order, entries last
        List<Entry> entries = new ArrayList<>();
        String refusal = null; // the first rule a canonical body breaks
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = tag >>> TAG_TYPE_BITS;
            int wireType = tag & TAG_TYPE_MASK;
            if (field < last || (field == last && field != ENTRIES)) {
                return null;
            }
            last = field;
            if (field == ENTRIES && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                long index = prev + entries.size() + 1;
                int length = in.readRawVarint32();
                int limit = in.pushLimit(length);
                Object entry = readEntry(in, index);
                if (entry == null) {
                    return null;
                }
                in.popLimit(limit);
                if (entry instanceof Entry e) {
                    entries.add(e);
                } else if (refusal == null) {
                    refusal = (String) entry;
                }
            } else if (wireType != WireFormat.WIRETYPE_VARINT) {
                return null;
            } else if (field == TERM) {
                term = in.readUInt64();
            } else if (field == PREV_LOG_INDEX) {
                prev = in.readUInt64();
            } else if (field == PREV_LOG_TERM) {
                prevTerm = in.readUInt64();
            } else if (field == LEADER_COMMIT) {
                commit = in.readUInt64();
            } else {
                return null;
            }
        }
        WireMessages.nonNegative("prev_log_index", prev);
        if (entries.size() > WireMessages.MAX_ENTRIES || prev > Long.MAX_VALUE - entries.size()) {
            throw new WireFormatException("append_request: " + entries.size() + " entries after index " + prev
                    + " is out of range");
        }
        if (refusal != null) {
            throw new WireFormatException(refusal);
        }
        return new AppendRequest(from, to, WireMessages.nonNegative("term", term), prev,
                WireMessages.nonNegative("prev_log_term", prevTerm), entries,
                WireMessages.nonNegative("leader_commit", commit));
    }

    /** The entry, or why it breaks a rule (a String), or null if it is not canonical. */
    private static Object readEntry(CodedInputStream in, long index) throws IOException {
        long term = 0;
        int type = 0;
        byte[] data = null;
        int last = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = tag >>> TAG_TYPE_BITS;
            int wireType = tag & TAG_TYPE_MASK;
            if (field <= last) {
                return null;
            }
            last = field;
            if (field == ENTRY_TERM && wireType == WireFormat.WIRETYPE_VARINT) {
                term = in.readUInt64();
            } else if (field == ENTRY_TYPE && wireType == WireFormat.WIRETYPE_VARINT) {
                type = in.readEnum();
            } else if (field == ENTRY_DATA && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                data = in.readByteArray();
            } else {
                return null;
            }
        }
        if (term < 1) {
            return "append_request: entry " + index + " has term " + Long.toUnsignedString(term);
        }
        try {
            return new Entry(index, term, WireMessages.entryType(type), data);
        } catch (WireFormatException | IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static int entrySize(Entry e) {
        int size = uint64Size(ENTRY_TERM, e.term());
        if (e.type().code() != 0) {
            size += CodedOutputStream.computeEnumSize(ENTRY_TYPE, e.type().code());
        }
        if (e.data().length != 0) {
            size += CodedOutputStream.computeByteArraySize(ENTRY_DATA, e.data());
        }
        return size;
    }

    private static int uint64Size(int field, long value) {
        return value == 0 ? 0 : CodedOutputStream.computeUInt64Size(field, value);
    }

    private static void writeUInt64(CodedOutputStream out, int field, long value) throws IOException {
        if (value != 0) {
            out.writeUInt64(field, value);
        }
    }
}
