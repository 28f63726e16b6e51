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
 * out of order, an unknown field, a repeated field that protobuf would merge), and anything that breaks a rule, it
 * leaves to the generated parser, whose rules then apply unchanged.
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
     * canonical form this class writes or breaks any rule of {@link WireMessages#fromFrame}: the caller then parses it
     * with the generated code, which decides — with its own messages — whether it is refused. Refusals are rare (an
     * honest leader never sends one), and only the generated parser sees the whole frame (protobuf merges a repeated
     * message, so a later copy may override a field this reader would refuse).
     */
    static AppendRequest readBody(CodedInputStream in, String from, String to) throws IOException {
        long term = 0;
        long prev = 0;
        long prevTerm = 0;
        long commit = 0;
        int last = 0; // the last field number read: canonical bodies have them in increasing order, entries last
        List<Entry> entries = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = tag >>> TAG_TYPE_BITS;
            int wireType = tag & TAG_TYPE_MASK;
            if (field < last || (field == last && field != ENTRIES)) {
                return null;
            }
            last = field;
            if (field == ENTRIES && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                if (prev < 0 || entries.size() >= WireMessages.MAX_ENTRIES || prev > Long.MAX_VALUE - entries.size() - 1) {
                    return null;
                }
                int limit = in.pushLimit(in.readRawVarint32());
                Entry e = readEntry(in, prev + entries.size() + 1);
                if (e == null) {
                    return null;
                }
                in.popLimit(limit);
                entries.add(e);
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
        if (term < 0 || prev < 0 || prevTerm < 0 || commit < 0) {
            return null; // uint64 values past Long.MAX_VALUE: refused by the generated path's rules
        }
        return new AppendRequest(from, to, term, prev, prevTerm, entries, commit);
    }

    /** The entry, or null if it is not canonical or breaks a rule (term 0, an unknown type). */
    private static Entry readEntry(CodedInputStream in, long index) throws IOException {
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
        io.tally.raft.model.EntryType t = WireMessages.knownEntryType(type);
        return term < 1 || t == null ? null : new Entry(index, term, t, data);
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
