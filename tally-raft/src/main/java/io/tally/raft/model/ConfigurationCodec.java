package io.tally.raft.model;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Binary form of a {@link Configuration} as stored in CONFIGURATION log entries.
 * Layout (big-endian): u8 version, u16 memberCount, members, u16 outgoingCount, outgoing (UTF id).
 * Version 1 members are (UTF id, UTF address, u8 voter); version 2 (written since the key/value server)
 * appends u16 metadataCount and that many (UTF key, UTF value) pairs. Both versions decode.
 */
public final class ConfigurationCodec {

    private static final int VERSION = 2;
    private static final int MAX_MEMBERS = 10_000;

    private ConfigurationCodec() {
    }

    public static byte[] encode(Configuration c) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeShort(c.members().size());
            for (Member m : c.members()) {
                out.writeUTF(m.id());
                out.writeUTF(m.address());
                out.writeBoolean(m.voter());
                out.writeShort(m.metadata().size());
                for (java.util.Map.Entry<String, String> e : m.metadata().entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeUTF(e.getValue());
                }
            }
            out.writeShort(c.outgoingVoters().size());
            for (String id : c.outgoingVoters()) {
                out.writeUTF(id);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a configuration; malformed input raises {@link IllegalArgumentException} naming the problem. */
    public static Configuration decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            int version = in.readUnsignedByte();
            if (version != 1 && version != 2) {
                throw new IllegalArgumentException("unsupported configuration encoding version " + version);
            }
            int n = in.readUnsignedShort();
            if (n > MAX_MEMBERS) {
                throw new IllegalArgumentException("configuration has too many members: " + n);
            }
            List<Member> members = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String id = in.readUTF();
                String address = in.readUTF();
                boolean voter = in.readBoolean();
                java.util.Map<String, String> metadata = new java.util.TreeMap<>();
                if (version >= 2) {
                    int k = in.readUnsignedShort();
                    for (int j = 0; j < k; j++) {
                        metadata.put(in.readUTF(), in.readUTF());
                    }
                }
                members.add(new Member(id, address, voter, metadata));
            }
            int o = in.readUnsignedShort();
            Set<String> outgoing = new LinkedHashSet<>();
            for (int i = 0; i < o; i++) {
                outgoing.add(in.readUTF());
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("trailing bytes after configuration");
            }
            return new Configuration(members, outgoing);
        } catch (EOFException e) {
            throw new IllegalArgumentException("truncated configuration entry", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed configuration entry: " + e.getMessage(), e);
        }
    }
}
